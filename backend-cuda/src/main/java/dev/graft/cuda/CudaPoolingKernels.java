package dev.graft.cuda;

import dev.graft.spi.ConvGeometry;
import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.PoolingKernels;
import dev.graft.spi.ZeroPadding;

/**
 * Pooling and zero padding on the GPU with TensorFlow's semantics (max pooling ignores padding and
 * routes each gradient to the first maximum of its window; average pooling excludes padding), one
 * kernel per operation from {@code pooling.cu}. The backward kernels gather (one thread per input
 * element), so gradients are written without atomics and do not depend on scheduling.
 * {@link dev.graft.conv.ReferencePoolingKernels} is the oracle.
 */
final class CudaPoolingKernels implements PoolingKernels {

    private final CudaKernelDevice device;

    CudaPoolingKernels(CudaKernelDevice device) {
        this.device = device;
    }

    @Override
    public void maxPool(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer output) {
        window(CudaKernel.MAX_POOL_FORWARD, g, batch, input(g, batch, input, "max pool input"), 0,
                output(g, batch, output, "max pool output"), outputs(g, batch));
    }

    @Override
    public void maxPoolBackward(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer gradOut, DeviceBuffer gradInput) {
        window(CudaKernel.MAX_POOL_BACKWARD, g, batch, input(g, batch, input, "max pool input"),
                output(g, batch, gradOut, "max pool output gradient"),
                input(g, batch, gradInput, "max pool input gradient"), inputs(g, batch));
    }

    @Override
    public void avgPool(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer output) {
        window(CudaKernel.AVG_POOL_FORWARD, g, batch, input(g, batch, input, "average pool input"), 0,
                output(g, batch, output, "average pool output"), outputs(g, batch));
    }

    @Override
    public void avgPoolBackward(ConvGeometry g, int batch, DeviceBuffer gradOut, DeviceBuffer gradInput) {
        window(CudaKernel.AVG_POOL_BACKWARD, g, batch, output(g, batch, gradOut, "average pool output gradient"), 0,
                input(g, batch, gradInput, "average pool input gradient"), inputs(g, batch));
    }

    @Override
    public void globalAvgPool(int batch, int height, int width, int channels, DeviceBuffer input, DeviceBuffer output) {
        String shape = shape(batch, height, width, channels);
        long pixels = (long) height * width;
        long x = device.address(input, batch * pixels * channels, "global average pool input", shape);
        long y = device.address(output, (long) batch * channels, "global average pool output", shape);
        long n = (long) batch * channels;
        if (n > 0) {
            device.prepare(CudaKernel.GLOBAL_AVG_FORWARD).ptr(x).ptr(y).i32(batch).i32((int) pixels).i32(channels)
                    .launch(CudaLaunch.gridFor(n), CudaLaunch.THREADS);
        }
    }

    @Override
    public void globalAvgPoolBackward(int batch, int height, int width, int channels, DeviceBuffer gradOut,
                                      DeviceBuffer gradInput) {
        String shape = shape(batch, height, width, channels);
        long pixels = (long) height * width;
        long dy = device.address(gradOut, (long) batch * channels, "global average pool output gradient", shape);
        long dx = device.address(gradInput, batch * pixels * channels, "global average pool input gradient", shape);
        long n = batch * pixels * channels;
        if (n > 0) {
            device.prepare(CudaKernel.GLOBAL_AVG_BACKWARD).ptr(dy).ptr(dx).i32(batch).i32((int) pixels).i32(channels)
                    .launch(CudaLaunch.gridFor(n), CudaLaunch.THREADS);
        }
    }

    @Override
    public void zeroPad(ZeroPadding pad, int batch, int height, int width, int channels, DeviceBuffer input,
                        DeviceBuffer output) {
        String shape = shape(batch, height, width, channels) + " padded by " + pad;
        long x = device.address(input, (long) batch * height * width * channels, "zero padding input", shape);
        long y = device.address(output, (long) batch * pad.outHeight(height) * pad.outWidth(width) * channels,
                "zero padding output", shape);
        padding(CudaKernel.ZERO_PAD_FORWARD, pad, batch, height, width, channels, x, y,
                (long) batch * pad.outHeight(height) * pad.outWidth(width) * channels);
    }

    @Override
    public void zeroPadBackward(ZeroPadding pad, int batch, int height, int width, int channels, DeviceBuffer gradOut,
                                DeviceBuffer gradInput) {
        String shape = shape(batch, height, width, channels) + " padded by " + pad;
        long dy = device.address(gradOut, (long) batch * pad.outHeight(height) * pad.outWidth(width) * channels,
                "zero padding output gradient", shape);
        long dx = device.address(gradInput, (long) batch * height * width * channels, "zero padding input gradient", shape);
        padding(CudaKernel.ZERO_PAD_BACKWARD, pad, batch, height, width, channels, dy, dx,
                (long) batch * height * width * channels);
    }

    private void padding(CudaKernel kernel, ZeroPadding pad, int batch, int height, int width, int channels,
                         long from, long to, long n) {
        if (n > 0) {
            device.prepare(kernel).ptr(from).ptr(to).i32(batch).i32(height).i32(width).i32(channels)
                    .i32(pad.top()).i32(pad.left()).i32(pad.outHeight(height)).i32(pad.outWidth(width))
                    .launch(CudaLaunch.gridFor(n), CudaLaunch.THREADS);
        }
    }

    /** Launches a windowed kernel whose pointer arguments are {@code a}, then {@code b} unless 0, then {@code out}. */
    private void window(CudaKernel kernel, ConvGeometry g, int batch, long a, long b, long out, long n) {
        if (n == 0) {
            return;
        }
        CudaKernelDevice.Launch launch = device.prepare(kernel).ptr(a);
        if (b != 0) {
            launch.ptr(b);
        }
        CudaConvKernels.geometry(launch.ptr(out).i32(batch), g).launch(CudaLaunch.gridFor(n), CudaLaunch.THREADS);
    }

    private long input(ConvGeometry g, int batch, DeviceBuffer buffer, String what) {
        checkBatch(batch, g);
        return device.address(buffer, inputs(g, batch), what, g);
    }

    private long output(ConvGeometry g, int batch, DeviceBuffer buffer, String what) {
        checkBatch(batch, g);
        return device.address(buffer, outputs(g, batch), what, g);
    }

    private static long inputs(ConvGeometry g, int batch) {
        return (long) batch * g.inputSize();
    }

    private static long outputs(ConvGeometry g, int batch) {
        return (long) batch * g.outPixels() * g.channels();
    }

    private static void checkBatch(int batch, Object shape) {
        if (batch < 0) {
            throw new IllegalArgumentException("batch must be >= 0, got " + batch + " for " + shape);
        }
    }

    private static String shape(int batch, int height, int width, int channels) {
        if (batch < 0 || height < 1 || width < 1 || channels < 1) {
            throw new IllegalArgumentException("pooling needs batch >= 0 and a positive image size, got batch " + batch
                    + " of " + height + "x" + width + "x" + channels);
        }
        return "batch " + batch + " of " + height + "x" + width + "x" + channels;
    }
}
