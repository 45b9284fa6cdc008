package dev.graft.cuda;

import dev.graft.spi.ConvGeometry;
import dev.graft.spi.ConvKernels;
import dev.graft.spi.DeviceBuffer;

/**
 * Conv2D and DepthwiseConv2D on the GPU, channels-last with TensorFlow's layouts and geometry;
 * {@link dev.graft.conv.ReferenceConvKernels} is the oracle they are tested against.
 *
 * <p>Conv2D is lowered to cuBLAS SGEMM: the {@code im2col} kernel writes the windows of as many
 * images as fit the scratch limit into one column matrix {@code [images·outH·outW, kh·kw·in]},
 * which one GEMM multiplies by the {@code [kh·kw·in, filters]} kernel straight into the output.
 * The kernel gradient is {@code colsᵀ·dY} accumulated over those chunks by the GEMM's beta; the
 * input gradient is {@code dY·kernelᵀ} followed by {@code col2im}, a gather with one thread per
 * input element. A 1×1 convolution with stride 1 needs no lowering. The bias is added by a
 * per-channel kernel; the bias gradient is the backend's column sums (the layer asks for it).
 * Depthwise convolution runs as direct kernels; its kernel gradient is a two-stage column
 * reduction over the output pixels in double.
 *
 * <p>Everything stays on the device and is queued on the backend's stream; the column matrix and
 * reduction partials live in the backend's {@link CudaScratch}. No cuDNN: see the module README.
 */
final class CudaConvKernels implements ConvKernels {

    /** Default limit of the column matrix: 16 Mi floats (64 MiB). */
    static final long DEFAULT_SCRATCH_FLOATS = 16L << 20;

    private final CudaKernelDevice device;
    private final CudaScratch scratch;
    private final long scratchFloats;

    CudaConvKernels(CudaKernelDevice device, CudaScratch scratch, long scratchFloats) {
        if (scratchFloats < 1) {
            throw new IllegalArgumentException("scratchFloats must be positive, got " + scratchFloats);
        }
        this.device = device;
        this.scratch = scratch;
        this.scratchFloats = scratchFloats;
    }

    @Override
    public void conv2d(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer kernel, int filters,
                       DeviceBuffer bias, DeviceBuffer output) {
        checkSizes(batch, filters, "conv2d filters", g);
        long k = depth(g);
        long pixels = g.outPixels();
        long x = device.address(input, batch * (long) g.inputSize(), "conv2d input", g);
        long w = device.address(kernel, k * filters, "conv2d kernel [kh, kw, in, out]", g);
        long y = device.address(output, batch * pixels * filters, "conv2d output", g);
        long b = bias == null ? 0 : device.address(bias, filters, "conv2d bias", g);
        if (batch == 0) {
            return;
        }
        if (pointwise(g)) {
            device.gemm(false, false, rows(batch * pixels, g), filters, (int) k, 1f, x, w, 0f, y);
        } else {
            int per = imagesPerChunk(g, batch);
            long cols = scratch.columns(per * pixels * k);
            for (int n0 = 0; n0 < batch; n0 += per) {
                int count = Math.min(per, batch - n0);
                im2col(CudaKernel.IM2COL, g, x + 4L * n0 * g.inputSize(), cols, count);
                device.gemm(false, false, rows(count * pixels, g), filters, (int) k, 1f, cols, w, 0f,
                        y + 4L * n0 * pixels * filters);
            }
        }
        if (b != 0) {
            long n = batch * pixels * filters;
            device.prepare(CudaKernel.CHANNEL_SCALE_SHIFT).ptr(y).ptr(0).ptr(b).i64(n).i32(filters)
                    .launch(CudaLaunch.gridFor(n), CudaLaunch.THREADS);
        }
    }

    @Override
    public void conv2dBackwardInput(ConvGeometry g, int batch, DeviceBuffer gradOut, DeviceBuffer kernel, int filters,
                                    DeviceBuffer gradInput) {
        checkSizes(batch, filters, "conv2d filters", g);
        long k = depth(g);
        long pixels = g.outPixels();
        long dy = device.address(gradOut, batch * pixels * filters, "conv2d output gradient", g);
        long w = device.address(kernel, k * filters, "conv2d kernel [kh, kw, in, out]", g);
        long dx = device.address(gradInput, batch * (long) g.inputSize(), "conv2d input gradient", g);
        if (batch == 0) {
            return;
        }
        if (pointwise(g)) {
            device.gemm(false, true, rows(batch * pixels, g), (int) k, filters, 1f, dy, w, 0f, dx);
            return;
        }
        int per = imagesPerChunk(g, batch);
        long cols = scratch.columns(per * pixels * k);
        for (int n0 = 0; n0 < batch; n0 += per) {
            int count = Math.min(per, batch - n0);
            device.gemm(false, true, rows(count * pixels, g), (int) k, filters, 1f, dy + 4L * n0 * pixels * filters, w, 0f, cols);
            im2col(CudaKernel.COL2IM, g, cols, dx + 4L * n0 * g.inputSize(), count);
        }
    }

    @Override
    public void conv2dBackwardKernel(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer gradOut, int filters,
                                     DeviceBuffer gradKernel) {
        checkSizes(batch, filters, "conv2d filters", g);
        long k = depth(g);
        long pixels = g.outPixels();
        long x = device.address(input, batch * (long) g.inputSize(), "conv2d input", g);
        long dy = device.address(gradOut, batch * pixels * filters, "conv2d output gradient", g);
        long dw = device.address(gradKernel, k * filters, "conv2d kernel gradient [kh, kw, in, out]", g);
        if (batch == 0) {
            device.zero(dw, k * filters);
            return;
        }
        if (pointwise(g)) {
            device.gemm(true, false, (int) k, filters, rows(batch * pixels, g), 1f, x, dy, 0f, dw);
            return;
        }
        int per = imagesPerChunk(g, batch);
        long cols = scratch.columns(per * pixels * k);
        for (int n0 = 0; n0 < batch; n0 += per) {
            int count = Math.min(per, batch - n0);
            im2col(CudaKernel.IM2COL, g, x + 4L * n0 * g.inputSize(), cols, count);
            device.gemm(true, false, (int) k, filters, rows(count * pixels, g), 1f, cols, dy + 4L * n0 * pixels * filters,
                    n0 == 0 ? 0f : 1f, dw);
        }
    }

    @Override
    public void depthwiseConv2d(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer kernel, int multiplier,
                                DeviceBuffer bias, DeviceBuffer output) {
        checkSizes(batch, multiplier, "depthwise multiplier", g);
        long outC = (long) g.channels() * multiplier;
        long x = device.address(input, batch * (long) g.inputSize(), "depthwise input", g);
        long w = device.address(kernel, g.windowSize() * outC, "depthwise kernel [kh, kw, in, multiplier]", g);
        long y = device.address(output, batch * (long) g.outPixels() * outC, "depthwise output", g);
        long b = bias == null ? 0 : device.address(bias, outC, "depthwise bias", g);
        long n = batch * (long) g.outPixels() * outC;
        if (n > 0) {
            geometry(device.prepare(CudaKernel.DEPTHWISE_FORWARD).ptr(x).ptr(w).ptr(b).ptr(y).i32(batch).i32(multiplier), g)
                    .launch(CudaLaunch.gridFor(n), CudaLaunch.THREADS);
        }
    }

    @Override
    public void depthwiseBackwardInput(ConvGeometry g, int batch, DeviceBuffer gradOut, DeviceBuffer kernel,
                                       int multiplier, DeviceBuffer gradInput) {
        checkSizes(batch, multiplier, "depthwise multiplier", g);
        long outC = (long) g.channels() * multiplier;
        long dy = device.address(gradOut, batch * (long) g.outPixels() * outC, "depthwise output gradient", g);
        long w = device.address(kernel, g.windowSize() * outC, "depthwise kernel [kh, kw, in, multiplier]", g);
        long dx = device.address(gradInput, batch * (long) g.inputSize(), "depthwise input gradient", g);
        long n = batch * (long) g.inputSize();
        if (n > 0) {
            geometry(device.prepare(CudaKernel.DEPTHWISE_BACKWARD_INPUT).ptr(dy).ptr(w).ptr(dx).i32(batch).i32(multiplier), g)
                    .launch(CudaLaunch.gridFor(n), CudaLaunch.THREADS);
        }
    }

    @Override
    public void depthwiseBackwardKernel(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer gradOut,
                                        int multiplier, DeviceBuffer gradKernel) {
        checkSizes(batch, multiplier, "depthwise multiplier", g);
        long outC = (long) g.channels() * multiplier;
        long width = g.windowSize() * outC;
        long x = device.address(input, batch * (long) g.inputSize(), "depthwise input", g);
        long dy = device.address(gradOut, batch * (long) g.outPixels() * outC, "depthwise output gradient", g);
        long dw = device.address(gradKernel, width, "depthwise kernel gradient [kh, kw, in, multiplier]", g);
        long rows = batch * (long) g.outPixels();
        if (rows == 0) {
            device.zero(dw, width);
            return;
        }
        int chunks = CudaLaunch.reductionChunks(rows, width);
        long partials = scratch.partials(chunks * width);
        geometry(device.prepare(CudaKernel.DEPTHWISE_KERNEL_PARTIALS).ptr(x).ptr(dy).ptr(partials).i32(batch)
                .i32(multiplier).i32(chunks), g).launch(CudaLaunch.gridFor(chunks * width), CudaLaunch.THREADS);
        device.prepare(CudaKernel.REDUCE_PARTIALS).ptr(partials).i32(chunks).i32((int) width).f64(1.0).ptr(0).ptr(dw)
                .launch(CudaLaunch.gridFor(width), CudaLaunch.THREADS);
    }

    /** Launches im2col or col2im (same arguments) over {@code count} images. */
    private void im2col(CudaKernel kernel, ConvGeometry g, long from, long to, int count) {
        long n = kernel == CudaKernel.IM2COL ? (long) count * g.outPixels() * depth(g) : (long) count * g.inputSize();
        geometry(device.prepare(kernel).ptr(from).ptr(to).i32(count), g).launch(CudaLaunch.gridFor(n), CudaLaunch.THREADS);
    }

    /** Appends the 13 geometry arguments every windowed kernel takes (GRAFT_GEOMETRY in the sources). */
    static CudaKernelDevice.Launch geometry(CudaKernelDevice.Launch launch, ConvGeometry g) {
        return launch.i32(g.inHeight()).i32(g.inWidth()).i32(g.channels()).i32(g.kernelHeight()).i32(g.kernelWidth())
                .i32(g.strideHeight()).i32(g.strideWidth()).i32(g.dilationHeight()).i32(g.dilationWidth())
                .i32(g.padTop()).i32(g.padLeft()).i32(g.outHeight()).i32(g.outWidth());
    }

    /** Images whose columns fit the scratch limit (at least one). */
    private int imagesPerChunk(ConvGeometry g, int batch) {
        long perImage = (long) g.outPixels() * depth(g);
        return (int) Math.max(1, Math.min(batch, scratchFloats / perImage));
    }

    private static long depth(ConvGeometry g) {
        return (long) g.windowSize() * g.channels();
    }

    private static boolean pointwise(ConvGeometry g) {
        return g.kernelHeight() == 1 && g.kernelWidth() == 1 && g.strideHeight() == 1 && g.strideWidth() == 1;
    }

    /** A GEMM dimension, refused when it exceeds cuBLAS's 32-bit sizes. */
    private static int rows(long rows, ConvGeometry g) {
        if (rows > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a GEMM of " + rows + " rows for " + g + " exceeds cuBLAS's 32-bit sizes: use a smaller batch");
        }
        return (int) rows;
    }

    static void checkSizes(int batch, int count, String what, Object shape) {
        if (batch < 0 || count < 1) {
            throw new IllegalArgumentException("batch must be >= 0 and " + what + " >= 1, got batch " + batch + " and "
                    + count + " for " + shape);
        }
    }
}
