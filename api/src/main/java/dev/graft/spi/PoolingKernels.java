package dev.graft.spi;

/**
 * An optional kernel family: pooling and zero padding over channels-last images
 * ({@code [batch, height, width, channels]}) with TensorFlow's semantics (max pooling treats
 * padding as −∞ and sends each gradient to the first maximum of its window; average pooling
 * excludes padding from the mean). Native through {@link Backend#capability}, else composed by
 * {@code graft-api} ({@code dev.graft.exec.ComposedPoolingKernels}).
 *
 * <p>Every output and gradient buffer is written, not accumulated into, and must not overlap an
 * input of the same call.
 */
public interface PoolingKernels {

    /** MaxPool2D forward: {@code output [batch, outH, outW, channels]}. */
    void maxPool(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer output);

    /** MaxPool2D's input gradient, from the forward's {@code input} and {@code gradOut}. */
    void maxPoolBackward(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer gradOut, DeviceBuffer gradInput);

    /** AvgPool2D forward (padding excluded from each mean). */
    void avgPool(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer output);

    /** AvgPool2D's input gradient. */
    void avgPoolBackward(ConvGeometry g, int batch, DeviceBuffer gradOut, DeviceBuffer gradInput);

    /** GlobalAveragePooling2D forward: {@code [batch, height, width, channels]} to {@code [batch, channels]}. */
    void globalAvgPool(int batch, int height, int width, int channels, DeviceBuffer input, DeviceBuffer output);

    /** GlobalAveragePooling2D's input gradient. */
    void globalAvgPoolBackward(int batch, int height, int width, int channels, DeviceBuffer gradOut,
                               DeviceBuffer gradInput);

    /** ZeroPadding2D forward: each image copied into the middle of a larger zero image. */
    void zeroPad(ZeroPadding pad, int batch, int height, int width, int channels, DeviceBuffer input,
                 DeviceBuffer output);

    /** ZeroPadding2D's input gradient: the middle of each padded gradient image. */
    void zeroPadBackward(ZeroPadding pad, int batch, int height, int width, int channels, DeviceBuffer gradOut,
                         DeviceBuffer gradInput);
}
