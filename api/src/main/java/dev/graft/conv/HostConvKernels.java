package dev.graft.conv;

import dev.graft.spi.Backend;
import dev.graft.spi.ConvGeometry;
import dev.graft.spi.ConvKernels;
import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.PoolingKernels;
import dev.graft.spi.ZeroPadding;

/**
 * {@link ConvKernels} and {@link PoolingKernels} for any backend through host memory: each call
 * downloads its operands, runs the double-precision reference loops ({@link ReferenceConvKernels},
 * {@link ReferencePoolingKernels}) and uploads the result. The reference backend claims the
 * families with it (its buffers are heap arrays, so the copies are cheap), and
 * {@code dev.graft.exec.KernelFamilies} uses it as the default for backends without their own:
 * correct everywhere, fast nowhere, and it allocates host arrays per call — a backend that trains
 * convolutional networks for real implements the families natively.
 */
public final class HostConvKernels implements ConvKernels, PoolingKernels {

    private final Backend backend;

    /** Kernels over {@code backend}'s buffers. */
    public HostConvKernels(Backend backend) {
        this.backend = backend;
    }

    @Override
    public void conv2d(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer kernel, int filters,
                       DeviceBuffer bias, DeviceBuffer output) {
        put(ReferenceConvKernels.conv2d(g, batch, get(input, (long) batch * g.inputSize()),
                get(kernel, (long) g.windowSize() * g.channels() * filters), filters,
                bias == null ? null : get(bias, filters)), output);
    }

    @Override
    public void conv2dBackwardInput(ConvGeometry g, int batch, DeviceBuffer gradOut, DeviceBuffer kernel, int filters,
                                    DeviceBuffer gradInput) {
        put(ReferenceConvKernels.conv2dBackwardInput(g, batch, get(gradOut, (long) batch * g.outPixels() * filters),
                get(kernel, (long) g.windowSize() * g.channels() * filters), filters), gradInput);
    }

    @Override
    public void conv2dBackwardKernel(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer gradOut, int filters,
                                     DeviceBuffer gradKernel) {
        put(ReferenceConvKernels.conv2dBackwardKernel(g, batch, get(input, (long) batch * g.inputSize()),
                get(gradOut, (long) batch * g.outPixels() * filters), filters), gradKernel);
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
        if (length > Integer.MAX_VALUE || buffer.length() < length) {
            throw new IllegalArgumentException("a convolution operand needs " + length + " floats but its buffer holds "
                    + buffer.length());
        }
        float[] host = new float[(int) length];
        backend.download(buffer, 0, host, 0, host.length);
        return host;
    }

    private void put(float[] values, DeviceBuffer buffer) {
        if (buffer.length() < values.length) {
            throw new IllegalArgumentException("a convolution result has " + values.length
                    + " floats but its buffer holds " + buffer.length());
        }
        backend.upload(values, 0, buffer, 0, values.length);
    }
}
