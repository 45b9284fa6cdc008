package dev.graft.cuda;

import static dev.graft.cuda.CudaCheck.check;

import dev.graft.cuda.CudaStatus.Api;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * The elementwise and row-wise kernels: CUDA C sources shipped as resources, compiled by NVRTC for
 * the device's own architecture the first time a backend opens on it (the image is kept per
 * architecture for the JVM's life, so reopening costs a module load, not a compile), loaded as
 * modules into the current context and launched on the backend's stream.
 *
 * <p>Launching is allocation-free: arguments are written into one native block of 8-byte slots
 * whose addresses form the {@code kernelParams} array ({@link #prepare}, then {@code ptr/i32/...},
 * then {@link #launch}). Not thread-safe; a backend is used by one thread at a time.
 */
final class CudaKernels implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(CudaKernels.class.getName());
    /** Argument slots: the windowed kernels take up to 19 (pointers, sizes and 13 geometry values). */
    private static final int MAX_ARGS = 24;
    /** Compiled images by "target/source", shared by every backend of this JVM. */
    private static final Map<String, byte[]> IMAGES = new ConcurrentHashMap<>();

    private final CUmod_st[] modules = new CUmod_st[CudaKernel.SOURCES.length];
    private final CUfunc_st[] functions = new CUfunc_st[CudaKernel.values().length];
    private final BytePointer argBlock = new BytePointer(8L * MAX_ARGS);
    private final ByteBuffer args = argBlock.asByteBuffer().order(ByteOrder.nativeOrder());
    private final LongPointer params = new LongPointer(MAX_ARGS);
    private final String target;
    private CudaKernel current;
    private int argCount;

    /** Compiles (or reuses) and loads every module; a context must be current on this thread. */
    CudaKernels(int deviceArch) {
        for (int i = 0; i < MAX_ARGS; i++) {
            params.put(i, argBlock.address() + 8L * i);
        }
        this.target = CudaLaunch.nvrtcTarget(deviceArch, supportedArchs());
        try {
            for (int s = 0; s < CudaKernel.SOURCES.length; s++) {
                String source = CudaKernel.SOURCES[s];
                byte[] image = IMAGES.computeIfAbsent(target + "/" + source, key -> compile(source, target));
                CUmod_st module = new CUmod_st();
                try (BytePointer data = new BytePointer(image)) {
                    check(Api.DRIVER, cudart.cuModuleLoadData(module, data), "cuModuleLoadData(" + source + ", " + target + ")");
                }
                modules[s] = module;
            }
            for (CudaKernel k : CudaKernel.values()) {
                CUfunc_st function = new CUfunc_st();
                check(Api.DRIVER, cudart.cuModuleGetFunction(function, modules[moduleIndex(k)], k.entry),
                        "cuModuleGetFunction(" + k.entry + ")");
                functions[k.ordinal()] = function;
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The NVRTC target the kernels were built for, e.g. {@code sm_90}. */
    String target() {
        return target;
    }

    CudaKernels prepare(CudaKernel kernel) {
        current = kernel;
        argCount = 0;
        return this;
    }

    CudaKernels ptr(long deviceAddress) {
        args.putLong(slot(), deviceAddress);
        return this;
    }

    CudaKernels i64(long value) {
        args.putLong(slot(), value);
        return this;
    }

    CudaKernels i32(int value) {
        args.putInt(slot(), value);
        return this;
    }

    CudaKernels f32(float value) {
        args.putFloat(slot(), value);
        return this;
    }

    CudaKernels f64(double value) {
        args.putDouble(slot(), value);
        return this;
    }

    /** Launches the prepared kernel on {@code stream}; the arguments are copied at launch, so the block is free again. */
    void launch(int gridX, int blockX, int blockY, CUstream_st stream) {
        int status = cudart.cuLaunchKernel(functions[current.ordinal()], gridX, 1, 1, blockX, blockY, 1, 0, stream,
                params, null);
        check(Api.DRIVER, status, "cuLaunchKernel(" + current.entry + ", grid " + gridX + ", block " + blockX + "x" + blockY + ")");
    }

    private int slot() {
        if (argCount == MAX_ARGS) {
            throw new IllegalStateException("more than " + MAX_ARGS + " kernel arguments");
        }
        return 8 * argCount++;
    }

    private static int moduleIndex(CudaKernel k) {
        for (int s = 0; s < CudaKernel.SOURCES.length; s++) {
            if (CudaKernel.SOURCES[s].equals(k.source)) {
                return s;
            }
        }
        throw new IllegalStateException("kernel " + k + " names unknown source " + k.source);
    }

    private static int[] supportedArchs() {
        int[] count = {0};
        check(Api.NVRTC, nvrtc.nvrtcGetNumSupportedArchs(count), "nvrtcGetNumSupportedArchs");
        int[] archs = new int[count[0]];
        check(Api.NVRTC, nvrtc.nvrtcGetSupportedArchs(archs), "nvrtcGetSupportedArchs");
        return archs;
    }

    /** A line naming a sibling header to inline: {@code #include "window.cuh"}. */
    private static final Pattern INCLUDE = Pattern.compile("#include \"([a-z_]+\\.cuh)\"\\s*");

    /**
     * The source text of a kernel file shipped in this jar, each {@code #include "x.cuh"} line
     * replaced by that sibling file's text, so NVRTC gets one self-contained program.
     */
    static String source(String file) {
        StringBuilder text = new StringBuilder();
        for (String line : resource(file).split("\n", -1)) {
            Matcher include = INCLUDE.matcher(line);
            text.append(include.matches() ? source(include.group(1)) : line).append('\n');
        }
        text.setLength(text.length() - 1);
        return text.toString();
    }

    private static String resource(String file) {
        try (InputStream in = CudaKernels.class.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException("kernel source dev/graft/cuda/" + file + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read kernel source " + file, e);
        }
    }

    /**
     * NVRTC options: no fused multiply-add contraction, so each operation rounds as the Java
     * reference does; -default-device so that helpers need no {@code __device__} qualifier.
     */
    static String[] options(String target) {
        return new String[] {"--gpu-architecture=" + target, "--fmad=false", "-default-device", "--std=c++17"};
    }

    private static byte[] compile(String file, String target) {
        long start = System.nanoTime();
        _nvrtcProgram program = new _nvrtcProgram();
        try (BytePointer src = new BytePointer(source(file)); BytePointer name = new BytePointer(file)) {
            check(Api.NVRTC, nvrtc.nvrtcCreateProgram(program, src, name, 0, (PointerPointer<?>) null, (PointerPointer<?>) null),
                    "nvrtcCreateProgram(" + file + ")");
        }
        try {
            String[] options = options(target);
            int status;
            try (PointerPointer<?> opts = new PointerPointer<>(options)) {
                status = nvrtc.nvrtcCompileProgram(program, options.length, opts);
            }
            check(Api.NVRTC, status, "nvrtcCompileProgram(" + file + ", " + String.join(" ", options) + ")", log(program));
            boolean cubin = target.startsWith("sm_");
            byte[] image;
            try (SizeTPointer size = new SizeTPointer(1)) {
                if (cubin) {
                    check(Api.NVRTC, nvrtc.nvrtcGetCUBINSize(program, size), "nvrtcGetCUBINSize(" + file + ")");
                    image = new byte[(int) size.get()];
                    check(Api.NVRTC, nvrtc.nvrtcGetCUBIN(program, image), "nvrtcGetCUBIN(" + file + ")");
                } else {
                    check(Api.NVRTC, nvrtc.nvrtcGetPTXSize(program, size), "nvrtcGetPTXSize(" + file + ")");
                    image = new byte[(int) size.get()]; // includes the terminating NUL cuModuleLoadData needs
                    check(Api.NVRTC, nvrtc.nvrtcGetPTX(program, image), "nvrtcGetPTX(" + file + ")");
                }
            }
            LOG.log(System.Logger.Level.DEBUG, () -> "NVRTC compiled " + file + " for " + target + " in "
                    + (System.nanoTime() - start) / 1_000_000 + " ms");
            return image;
        } finally {
            nvrtc.nvrtcDestroyProgram(program);
        }
    }

    private static String log(_nvrtcProgram program) {
        try (SizeTPointer size = new SizeTPointer(1)) {
            if (nvrtc.nvrtcGetProgramLogSize(program, size) != 0 || size.get() <= 1) {
                return "";
            }
            byte[] text = new byte[(int) size.get()];
            nvrtc.nvrtcGetProgramLog(program, text);
            return new String(text, 0, text.length - 1, StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        for (int s = 0; s < modules.length; s++) {
            if (modules[s] != null) {
                cudart.cuModuleUnload(modules[s]);
                modules[s] = null;
            }
        }
        argBlock.close();
        params.close();
    }
}
