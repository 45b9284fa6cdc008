package dev.graft.spi;

/**
 * An optional kernel family: 2-D convolution over channels-last images ({@code [batch, height,
 * width, channels]}) with TensorFlow's semantics and layouts (kernel {@code [kh, kw, in, out]},
 * depthwise kernel {@code [kh, kw, in, multiplier]}, padding and strides as {@link ConvGeometry}
 * says). A backend that implements it natively returns it from {@link Backend#capability};
 * otherwise {@code graft-api} supplies a default ({@code dev.graft.exec.ComposedConvKernels}). The
 * conformance suite checks both against the reference backend.
 *
 * <p>Every output and gradient buffer is written, not accumulated into, and must not overlap an
 * input of the same call.
 */
public interface ConvKernels {

    /**
     * Conv2D forward: {@code output [batch, outH, outW, filters] = input ⊛ kernel + bias}.
     *
     * @param bias {@code [filters]}, or null for none
     */
    void conv2d(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer kernel, int filters,
                DeviceBuffer bias, DeviceBuffer output);

    /** Conv2D's input gradient {@code [batch, inH, inW, in]} from {@code gradOut [batch, outH, outW, filters]}. */
    void conv2dBackwardInput(ConvGeometry g, int batch, DeviceBuffer gradOut, DeviceBuffer kernel, int filters,
                             DeviceBuffer gradInput);

    /** Conv2D's kernel gradient {@code [kh, kw, in, filters]}, summed over the batch. */
    void conv2dBackwardKernel(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer gradOut, int filters,
                              DeviceBuffer gradKernel);

    /**
     * DepthwiseConv2D forward: {@code output [batch, outH, outW, in·multiplier]}.
     *
     * @param bias {@code [in·multiplier]}, or null for none
     */
    void depthwiseConv2d(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer kernel, int multiplier,
                         DeviceBuffer bias, DeviceBuffer output);

    /** DepthwiseConv2D's input gradient {@code [batch, inH, inW, in]}. */
    void depthwiseBackwardInput(ConvGeometry g, int batch, DeviceBuffer gradOut, DeviceBuffer kernel,
                                int multiplier, DeviceBuffer gradInput);

    /** DepthwiseConv2D's kernel gradient {@code [kh, kw, in, multiplier]}, summed over the batch. */
    void depthwiseBackwardKernel(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer gradOut,
                                 int multiplier, DeviceBuffer gradKernel);
}
