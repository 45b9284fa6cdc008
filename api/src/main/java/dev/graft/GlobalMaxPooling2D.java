package dev.graft;

import dev.graft.exec.LayerOp;
import dev.graft.exec.OpContext;
import dev.graft.spi.ConvGeometry;
import dev.graft.spi.PoolingKernels;
import java.util.Map;

/**
 * The largest value of each channel over all pixels: images {@code [h, w, c]} become vectors
 * {@code [c]} (Keras's {@code GlobalMaxPooling2D}). Computed as one max pool whose window is the
 * whole image, so the gradient goes to the first maximum as TensorFlow's does. No parameters.
 */
public final class GlobalMaxPooling2D extends ParameterlessLayer {

    /** The description type. */
    public static final String TYPE = "global_max_pool2d";

    private final ConvGeometry whole;

    /** A global max pooling layer over images of {@code inputShape} ({@code [h, w, c]}). */
    public GlobalMaxPooling2D(String name, Shape inputShape, boolean trainable) {
        super(name, ConvLayers.image(name, TYPE, inputShape), trainable);
        int h = inputShape.dim(0);
        int w = inputShape.dim(1);
        this.whole = ConvLayers.geometry(name, TYPE, inputShape, ConvWindow.of(h, w));
    }

    /** A global max pooling layer to be placed by a builder or surgery. */
    public static LayerSpec spec(String name) {
        return new ShapeOnlySpec(name, inputShape -> new GlobalMaxPooling2D(name, inputShape, true));
    }

    /** Reads {@code global_max_pool2d} descriptions. */
    public static final class Type implements LayerType {
        @Override public String type() { return TYPE; }

        @Override
        public Layer create(String name, Shape inputShape, LayerDescription d, Map<String, float[]> p, boolean trainable) {
            return Layers.checkNames(new GlobalMaxPooling2D(name, inputShape, trainable), p);
        }
    }

    @Override public Shape outputShape() { return Shape.vector(inputShape().dim(2)); }
    @Override public LayerDescription description() { return LayerDescription.of(TYPE); }

    @Override
    public GlobalMaxPooling2D withTrainable(boolean trainable) {
        return new GlobalMaxPooling2D(name(), inputShape(), trainable);
    }

    @Override
    public GlobalMaxPooling2D withName(String newName) {
        return new GlobalMaxPooling2D(newName, inputShape(), trainable());
    }

    @Override
    public LayerOp op(OpContext context) {
        PoolingKernels pool = context.kernels(PoolingKernels.class);
        return new ParameterlessOp((input, output, rows) -> pool.maxPool(whole, rows, input, output),
                (input, g, inputGrad, rows) -> pool.maxPoolBackward(whole, rows, input, g, inputGrad));
    }
}
