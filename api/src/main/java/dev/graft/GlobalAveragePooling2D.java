package dev.graft;

import dev.graft.exec.LayerOp;
import dev.graft.exec.OpContext;
import dev.graft.spi.PoolingKernels;
import java.util.Map;

/**
 * The mean of each channel over all pixels: images {@code [h, w, c]} become vectors {@code [c]}
 * (Keras's {@code GlobalAveragePooling2D}, the usual top of a convolutional base). No parameters.
 */
public final class GlobalAveragePooling2D extends ParameterlessLayer {

    /** The description type. */
    public static final String TYPE = "global_avg_pool2d";

    /** A global average pooling layer over images of {@code inputShape} ({@code [h, w, c]}). */
    public GlobalAveragePooling2D(String name, Shape inputShape, boolean trainable) {
        super(name, ConvLayers.image(name, TYPE, inputShape), trainable);
    }

    /** A global average pooling layer to be placed by a builder or surgery. */
    public static LayerSpec spec(String name) {
        return new ShapeOnlySpec(name, inputShape -> new GlobalAveragePooling2D(name, inputShape, true));
    }

    /** Reads {@code global_avg_pool2d} descriptions. */
    public static final class Type implements LayerType {
        @Override public String type() { return TYPE; }

        @Override
        public Layer create(String name, Shape inputShape, LayerDescription d, Map<String, float[]> p, boolean trainable) {
            return Layers.checkNames(new GlobalAveragePooling2D(name, inputShape, trainable), p);
        }
    }

    @Override public Shape outputShape() { return Shape.vector(inputShape().dim(2)); }
    @Override public LayerDescription description() { return LayerDescription.of(TYPE); }

    @Override
    public GlobalAveragePooling2D withTrainable(boolean trainable) {
        return new GlobalAveragePooling2D(name(), inputShape(), trainable);
    }

    @Override
    public GlobalAveragePooling2D withName(String newName) {
        return new GlobalAveragePooling2D(newName, inputShape(), trainable());
    }

    @Override
    public LayerOp op(OpContext context) {
        PoolingKernels pool = context.kernels(PoolingKernels.class);
        int h = inputShape().dim(0);
        int w = inputShape().dim(1);
        int c = inputShape().dim(2);
        return new ParameterlessOp((input, output, rows) -> pool.globalAvgPool(rows, h, w, c, input, output),
                (input, g, inputGrad, rows) -> pool.globalAvgPoolBackward(rows, h, w, c, g, inputGrad));
    }
}
