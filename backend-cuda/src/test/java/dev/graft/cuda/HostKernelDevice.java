package dev.graft.cuda;

import dev.graft.spi.DeviceBuffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link CudaKernelDevice} for machines without a GPU: it records what the convolution families
 * ask for (launches with their argument kinds and values, the exact cuBLAS call a GEMM becomes,
 * clears, scratch allocations) and {@link #execute} replays the record in {@link HostKernelDriver}'s
 * executable, which runs the kernel sources over their grids on the CPU, then copies every buffer
 * back. Buffers are heap arrays with fake device addresses ({@code id << 32}, plus byte offsets).
 */
final class HostKernelDevice implements CudaKernelDevice, CudaKernelDevice.Launch {

    /** A buffer of this device: contents on the heap, valid after {@link #execute}. */
    final class HostBuffer implements DeviceBuffer {
        final long id;
        float[] data;
        boolean closed;

        HostBuffer(long id, float[] data) {
            this.id = id;
            this.data = data;
        }

        @Override
        public long length() {
            return data.length;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private final List<HostBuffer> buffers = new ArrayList<>();
    private final StringBuilder ops = new StringBuilder();
    private final StringBuilder kinds = new StringBuilder();
    private final StringBuilder slots = new StringBuilder();
    private String entry;
    private int allocations;
    private int launches;

    /** A buffer holding a copy of {@code values}. */
    HostBuffer buffer(float[] values) {
        HostBuffer b = new HostBuffer(buffers.size() + 1, values.clone());
        buffers.add(b);
        return b;
    }

    /** Scratch allocations the families made so far. */
    int allocations() {
        return allocations;
    }

    /** Kernel launches recorded so far. */
    int launches() {
        return launches;
    }

    @Override
    public long address(DeviceBuffer buffer, long floats, String what, Object shape) {
        if (!(buffer instanceof HostBuffer b) || !buffers.contains(b)) {
            throw new IllegalArgumentException(what + " (" + buffer + ") is not a buffer of this device");
        }
        if (b.closed) {
            throw new IllegalStateException(what + " was closed");
        }
        if (b.length() < floats) {
            throw new IllegalArgumentException(what + " holds " + b.length() + " floats, needs " + floats + " for " + shape);
        }
        return b.id << 32;
    }

    @Override
    public Launch prepare(CudaKernel kernel) {
        entry = kernel.entry;
        kinds.setLength(0);
        slots.setLength(0);
        return this;
    }

    @Override
    public Launch ptr(long address) {
        return slot('p', Long.toUnsignedString(address));
    }

    @Override
    public Launch i32(int value) {
        return slot('i', Integer.toUnsignedString(value));
    }

    @Override
    public Launch i64(long value) {
        return slot('l', Long.toUnsignedString(value));
    }

    @Override
    public Launch f32(float value) {
        return slot('f', Integer.toUnsignedString(Float.floatToRawIntBits(value)));
    }

    @Override
    public Launch f64(double value) {
        return slot('d', Long.toUnsignedString(Double.doubleToRawLongBits(value)));
    }

    private Launch slot(char kind, String value) {
        kinds.append(kind);
        slots.append(' ').append(value);
        return this;
    }

    @Override
    public void launch(int blocks, int threads) {
        ops.append("launch ").append(entry).append(' ').append(blocks).append(' ').append(threads).append(' ')
                .append(kinds.length() == 0 ? "-" : kinds).append(slots).append('\n');
        launches++;
    }

    /** Records the cuBLAS call {@link CudaBackend#gemmAt} makes: B first, A second, column-major. */
    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, long b, float beta, long c) {
        if (m == 0 || n == 0) {
            return;
        }
        CudaGemmCall call = CudaGemmCall.rowMajor(transA, transB, m, n, k);
        ops.append("gemm ").append(call.transFirst() ? 1 : 0).append(' ').append(call.transSecond() ? 1 : 0).append(' ')
                .append(call.rows()).append(' ').append(call.cols()).append(' ').append(call.depth()).append(' ')
                .append(Integer.toUnsignedString(Float.floatToRawIntBits(alpha))).append(' ')
                .append(Long.toUnsignedString(b)).append(' ').append(call.ldFirst()).append(' ')
                .append(Long.toUnsignedString(a)).append(' ').append(call.ldSecond()).append(' ')
                .append(Integer.toUnsignedString(Float.floatToRawIntBits(beta))).append(' ')
                .append(Long.toUnsignedString(c)).append(' ').append(call.ldc()).append('\n');
    }

    @Override
    public void zero(long address, long floats) {
        ops.append("zero ").append(Long.toUnsignedString(address)).append(' ').append(floats).append('\n');
    }

    @Override
    public DeviceBuffer allocate(long floats) {
        allocations++;
        return buffer(new float[Math.toIntExact(floats)]);
    }

    /** Runs everything recorded since the last call on the CPU and copies every open buffer back. */
    void execute() throws IOException, InterruptedException {
        Path driver = HostKernelDriver.driver();
        Path script = Files.createTempFile("graft-kernels", ".txt");
        try {
            StringBuilder text = new StringBuilder();
            for (HostBuffer b : buffers) {
                if (!b.closed) {
                    text.append("buffer ").append(b.id).append(' ').append(b.data.length);
                    for (float v : b.data) {
                        text.append(' ').append(Float.toHexString(v));
                    }
                    text.append('\n');
                }
            }
            text.append(ops);
            Files.writeString(script, text, StandardCharsets.UTF_8);
            Process p = new ProcessBuilder(driver.toString()).redirectInput(script.toFile()).redirectErrorStream(false).start();
            byte[] out = p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("host_driver failed: " + err + "\nscript:\n" + ops);
            }
            for (String line : new String(out, StandardCharsets.US_ASCII).split("\n")) {
                String[] f = line.trim().split(" ");
                HostBuffer b = buffers.get(Integer.parseInt(f[1]) - 1);
                for (int i = 0; i < b.data.length; i++) {
                    b.data[i] = parse(f[3 + i]);
                }
            }
            ops.setLength(0);
        } finally {
            Files.deleteIfExists(script);
        }
    }

    private static float parse(String hex) {
        return switch (hex) {
            case "inf" -> Float.POSITIVE_INFINITY;
            case "-inf" -> Float.NEGATIVE_INFINITY;
            case "nan", "-nan" -> Float.NaN;
            default -> (float) Double.parseDouble(hex);
        };
    }
}
