package dev.graft.conv;

import dev.graft.Activation;
import dev.graft.reference.ReferenceBackend;
import dev.graft.spi.Backend;
import dev.graft.spi.ConvGeometry;
import dev.graft.spi.ConvKernels;
import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.PoolingKernels;
import dev.graft.spi.ZeroPadding;

/**
 * {@link ConvKernels} and {@link PoolingKernels} for any backend through host memory. The reference
 * backend claims the families with it, and {@code dev.graft.exec.KernelFamilies} uses it as the
 * default for backends without their own (e.g. cuda), so it has two modes:
 * <ul>
 * <li>on the {@link ReferenceBackend}, every call runs the double-precision reference loops
 *     ({@link ReferenceConvKernels}, {@link ReferencePoolingKernels}): the oracle stays exact;</li>
 * <li>on any other backend, Conv2D and its two gradients are lowered to the backend's own
 *     {@link Backend#gemm}: the input is downloaded once, {@link HostIm2col} writes the windows of as
 *     many images as fit {@code scratchFloats} into one column matrix, which is uploaded and
 *     multiplied by the {@code [kh·kw·in, out]} kernel in one GEMM (the kernel gradient is
 *     {@code colsᵀ·dY} summed over those chunks, the input gradient {@code dY·kernelᵀ} raised back on
 *     the host). The products, where nearly all the work is, run on the device; depthwise
 *     convolution and pooling still run the reference loops.</li>
 * </ul>
 * It has no owner to hand scratch buffers to, so a lowered call allocates its column (and chunk)
 * buffers on the backend and closes them before it returns; a backend that trains convolutional
 * networks for real implements the families natively.
 */
public final class HostConvKernels implements ConvKernels, PoolingKernels {

    /** Default limit of one column matrix: 4 Mi floats (16 MiB), more only when one image needs more. */
    public static final int DEFAULT_SCRATCH_FLOATS = 4 << 20;

    private final Backend backend;
    private final boolean exact;
    private final int scratchFloats;

    /** Kernels over {@code backend}'s buffers: the reference loops on the reference backend, else lowered to its GEMM. */
    public HostConvKernels(Backend backend) {
        this(backend, backend instanceof ReferenceBackend, DEFAULT_SCRATCH_FLOATS);
    }

    /**
     * Kernels over {@code backend}'s buffers; {@code exact} runs the double-precision reference loops,
     * otherwise convolutions are lowered to {@link Backend#gemm} with column matrices of at most
     * {@code scratchFloats} floats (tests use a small limit to exercise the chunking).
     */
    public HostConvKernels(Backend backend, boolean exact, int scratchFloats) {
        if (scratchFloats < 1) {
            throw new IllegalArgumentException("scratchFloats must be positive, got " + scratchFloats);
        }
        this.backend = backend;
        this.exact = exact;
        this.scratchFloats = scratchFloats;
    }

    @Override
    public void conv2d(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer kernel, int filters,
                       DeviceBuffer bias, DeviceBuffer output) {
        if (exact) {
            put(ReferenceConvKernels.conv2d(g, batch, get(input, (long) batch * g.inputSize()),
                    get(kernel, (long) g.windowSize() * g.channels() * filters), filters,
                    bias == null ? null : get(bias, filters)), output);
            return;
        }
        float[] x = get(input, (long) batch * g.inputSize());
        check(output, (long) batch * g.outPixels() * filters, "conv2d output");
        try (Lowering l = new Lowering(g, batch, filters)) {
            for (int n0 = 0; n0 < batch; n0 += l.per) {
                int count = Math.min(l.per, batch - n0);
                l.lower(x, n0, count);
                DeviceBuffer y = l.whole ? output : l.chunk;
                backend.gemm(false, false, count * l.pixels, filters, l.k, 1f, l.cols, kernel, 0f, y);
                if (!l.whole) {
                    backend.copy(y, 0, output, (long) n0 * l.pixels * filters, (long) count * l.pixels * filters);
                }
            }
        }
        if (bias != null) {
            backend.biasActivation(output, bias, batch * g.outPixels(), filters, Activation.IDENTITY);
        }
    }

    @Override
    public void conv2dBackwardInput(ConvGeometry g, int batch, DeviceBuffer gradOut, DeviceBuffer kernel, int filters,
                                    DeviceBuffer gradInput) {
        if (exact) {
            put(ReferenceConvKernels.conv2dBackwardInput(g, batch, get(gradOut, (long) batch * g.outPixels() * filters),
                    get(kernel, (long) g.windowSize() * g.channels() * filters), filters), gradInput);
            return;
        }
        check(gradOut, (long) batch * g.outPixels() * filters, "conv2d output gradient");
        float[] dx = new float[checkedLength((long) batch * g.inputSize())];
        try (Lowering l = new Lowering(g, batch, filters)) {
            for (int n0 = 0; n0 < batch; n0 += l.per) {
                int count = Math.min(l.per, batch - n0);
                DeviceBuffer dy = l.chunkOf(gradOut, n0, count);
                backend.gemm(false, true, count * l.pixels, l.k, filters, 1f, dy, kernel, 0f, l.cols);
                backend.download(l.cols, 0, l.host, 0, count * l.pixels * l.k);
                HostIm2col.raise(g, l.host, n0, count, dx);
            }
        }
        put(dx, gradInput);
    }

    @Override
    public void conv2dBackwardKernel(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer gradOut, int filters,
                                     DeviceBuffer gradKernel) {
        if (exact) {
            put(ReferenceConvKernels.conv2dBackwardKernel(g, batch, get(input, (long) batch * g.inputSize()),
                    get(gradOut, (long) batch * g.outPixels() * filters), filters), gradKernel);
            return;
        }
        float[] x = get(input, (long) batch * g.inputSize());
        check(gradOut, (long) batch * g.outPixels() * filters, "conv2d output gradient");
        check(gradKernel, (long) g.windowSize() * g.channels() * filters, "conv2d kernel gradient");
        try (Lowering l = new Lowering(g, batch, filters)) {
            for (int n0 = 0; n0 < batch; n0 += l.per) {
                int count = Math.min(l.per, batch - n0);
                l.lower(x, n0, count);
                DeviceBuffer dy = l.chunkOf(gradOut, n0, count);
                backend.gemm(true, false, l.k, filters, count * l.pixels, 1f, l.cols, dy, n0 == 0 ? 0f : 1f, gradKernel);
            }
        }
    }

    /**
     * One lowered call's scratch: the host and device column matrices for {@code per} images and,
     * when the batch takes more than one chunk, a device buffer for one chunk of outputs or output
     * gradients (the SPI's GEMM has no offsets). Closed when the call returns.
     */
    private final class Lowering implements AutoCloseable {
        final ConvGeometry g;
        final int k;
        final int pixels;
        final int filters;
        final int per;
        final boolean whole;
        final float[] host;
        final DeviceBuffer cols;
        final DeviceBuffer chunk;

        Lowering(ConvGeometry g, int batch, int filters) {
            this.g = g;
            this.k = g.windowSize() * g.channels();
            this.pixels = g.outPixels();
            this.filters = filters;
            long perImage = (long) pixels * k;
            this.per = (int) Math.max(1, Math.min(batch, scratchFloats / perImage));
            this.whole = per >= batch;
            this.host = new float[checkedLength(per * perImage)];
            this.cols = backend.allocate(host.length);
            try {
                this.chunk = whole ? null : backend.allocate((long) per * pixels * filters);
            } catch (RuntimeException e) {
                cols.close();
                throw e;
            }
        }

        /** Lowers images {@code [n0, n0 + count)} of {@code x} and uploads their columns. */
        void lower(float[] x, int n0, int count) {
            HostIm2col.lower(g, x, n0, count, host);
            backend.upload(host, 0, cols, 0, count * pixels * k);
        }

        /** Images {@code [n0, n0 + count)} of a {@code [batch, outH, outW, filters]} buffer, from index 0 of a buffer. */
        DeviceBuffer chunkOf(DeviceBuffer perPixel, int n0, int count) {
            if (whole) {
                return perPixel;
            }
            backend.copy(perPixel, (long) n0 * pixels * filters, chunk, 0, (long) count * pixels * filters);
            return chunk;
        }

        @Override
        public void close() {
            cols.close();
            if (chunk != null) {
                chunk.close();
            }
        }
    }

    @Override
    public void depthwiseConv2d(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer kernel, int multiplier,
                                DeviceBuffer bias, DeviceBuffer output) {
        int outC = g.channels() * multiplier;
        put(ReferenceConvKernels.depthwiseConv2d(g, batch, get(input, (long) batch * g.inputSize()),
                get(kernel, (long) g.windowSize() * outC), multiplier, bias == null ? null : get(bias, outC)), output);
    }

    @Override
    public void depthwiseBackwardInput(ConvGeometry g, int batch, DeviceBuffer gradOut, DeviceBuffer kernel,
                                       int multiplier, DeviceBuffer gradInput) {
        int outC = g.channels() * multiplier;
        put(ReferenceConvKernels.depthwiseBackwardInput(g, batch, get(gradOut, (long) batch * g.outPixels() * outC),
                get(kernel, (long) g.windowSize() * outC), multiplier), gradInput);
    }

    @Override
    public void depthwiseBackwardKernel(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer gradOut,
                                        int multiplier, DeviceBuffer gradKernel) {
        int outC = g.channels() * multiplier;
        put(ReferenceConvKernels.depthwiseBackwardKernel(g, batch, get(input, (long) batch * g.inputSize()),
                get(gradOut, (long) batch * g.outPixels() * outC), multiplier), gradKernel);
    }

    @Override
    public void maxPool(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer output) {
        put(ReferencePoolingKernels.maxPool(g, batch, get(input, (long) batch * g.inputSize())), output);
    }

    @Override
    public void maxPoolBackward(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer gradOut,
                                DeviceBuffer gradInput) {
        put(ReferencePoolingKernels.maxPoolBackward(g, batch, get(input, (long) batch * g.inputSize()),
                get(gradOut, (long) batch * g.outPixels() * g.channels())), gradInput);
    }

    @Override
    public void avgPool(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer output) {
        put(ReferencePoolingKernels.avgPool(g, batch, get(input, (long) batch * g.inputSize())), output);
    }

    @Override
    public void avgPoolBackward(ConvGeometry g, int batch, DeviceBuffer gradOut, DeviceBuffer gradInput) {
        put(ReferencePoolingKernels.avgPoolBackward(g, batch, get(gradOut, (long) batch * g.outPixels() * g.channels())),
                gradInput);
    }

    @Override
    public void globalAvgPool(int batch, int height, int width, int channels, DeviceBuffer input, DeviceBuffer output) {
        put(ReferencePoolingKernels.globalAvgPool(batch, height, width, channels,
                get(input, (long) batch * height * width * channels)), output);
    }

    @Override
    public void globalAvgPoolBackward(int batch, int height, int width, int channels, DeviceBuffer gradOut,
                                      DeviceBuffer gradInput) {
        put(ReferencePoolingKernels.globalAvgPoolBackward(batch, height, width, channels,
                get(gradOut, (long) batch * channels)), gradInput);
    }

    @Override
    public void zeroPad(ZeroPadding pad, int batch, int height, int width, int channels, DeviceBuffer input,
                        DeviceBuffer output) {
        put(ReferencePoolingKernels.zeroPad(pad, batch, height, width, channels,
                get(input, (long) batch * height * width * channels)), output);
    }

    @Override
    public void zeroPadBackward(ZeroPadding pad, int batch, int height, int width, int channels, DeviceBuffer gradOut,
                                DeviceBuffer gradInput) {
        long padded = (long) batch * pad.outHeight(height) * pad.outWidth(width) * channels;
        put(ReferencePoolingKernels.zeroPadBackward(pad, batch, height, width, channels, get(gradOut, padded)),
                gradInput);
    }

    private float[] get(DeviceBuffer buffer, long length) {
        check(buffer, length, "a convolution operand");
        float[] host = new float[checkedLength(length)];
        backend.download(buffer, 0, host, 0, host.length);
        return host;
    }

    private static void check(DeviceBuffer buffer, long length, String what) {
        if (buffer.length() < length) {
            throw new IllegalArgumentException(what + " needs " + length + " floats but its buffer holds " + buffer.length());
        }
    }

    private static int checkedLength(long length) {
        if (length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a convolution operand of " + length + " floats is too large for host memory"
                    + " (over 2^31 - 1); use a smaller batch");
        }
        return (int) length;
    }

    private void put(float[] values, DeviceBuffer buffer) {
        if (buffer.length() < values.length) {
            throw new IllegalArgumentException("a convolution result has " + values.length
                    + " floats but its buffer holds " + buffer.length());
        }
        backend.upload(values, 0, buffer, 0, values.length);
    }
}
