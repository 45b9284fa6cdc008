package dev.graft;

import dev.graft.exec.LayerOp;
import dev.graft.exec.OpContext;
import dev.graft.spi.ConvGeometry;
import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.PoolingKernels;

/**
 * What {@link MaxPool2D} and {@link AvgPool2D} share: a window sliding over channels-last images,
 * the output geometry, the description and the pass structure. A subclass names its type and the
 * two pooling kernels it runs.
 */
public abstract sealed class Pool2D extends ParameterlessLayer permits MaxPool2D, AvgPool2D {

    private final String type;
    private final ConvWindow window;
    private final ConvGeometry geometry;

    Pool2D(String type, String name, Shape inputShape, ConvWindow window, boolean trainable) {
        super(name, inputShape, trainable);
        this.type = type;
        this.window = ConvLayers.undilated(name, type, window);
        this.geometry = ConvLayers.geometry(name, type, inputShape, window);
    }

    public ConvWindow window() { return window; }

    @Override public Shape outputShape() { return ConvLayers.output(geometry, geometry.channels()); }

    @Override
    public LayerDescription description() {
        return ConvLayers.describePool(type, window);
    }

    /** The pooling of {@code rows} images from {@code input} into {@code output}. */
    abstract void pool(PoolingKernels kernels, ConvGeometry geometry, int rows, DeviceBuffer input, DeviceBuffer output);

    /** The gradient with respect to the input from the output's gradient {@code g}. */
    abstract void poolBackward(PoolingKernels kernels, ConvGeometry geometry, int rows, DeviceBuffer input,
                               DeviceBuffer g, DeviceBuffer inputGrad);

    @Override
    public LayerOp op(OpContext context) {
        PoolingKernels kernels = context.kernels(PoolingKernels.class);
        return new ParameterlessOp((input, output, rows) -> pool(kernels, geometry, rows, input, output),
                (input, g, inputGrad, rows) -> poolBackward(kernels, geometry, rows, input, g, inputGrad));
    }
}
