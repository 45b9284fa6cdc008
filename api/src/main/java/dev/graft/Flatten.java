package dev.graft;

import dev.graft.exec.LayerOp;
import dev.graft.exec.OpContext;
import java.util.Map;

/**
 * Reshapes each sample to a vector of its values in row-major (channels-last) order, as Keras's
 * {@code Flatten} and TensorFlow's reshape do: {@code [h, w, c]} becomes {@code [h·w·c]}. The values
 * are copied unchanged; no parameters.
 */
public final class Flatten extends ParameterlessLayer {

    /** The description type. */
    public static final String TYPE = "flatten";

    /** A flatten layer for samples of {@code inputShape}. */
    public Flatten(String name, Shape inputShape, boolean trainable) {
        super(name, inputShape, trainable);
    }

    /** A flatten layer to be placed by a builder or surgery. */
    public static LayerSpec spec(String name) {
        return new ShapeOnlySpec(name, inputShape -> new Flatten(name, inputShape, true));
    }

    /** Reads {@code flatten} descriptions. */
    public static final class Type implements LayerType {
        @Override public String type() { return TYPE; }

        @Override
        public Layer create(String name, Shape inputShape, LayerDescription d, Map<String, float[]> p, boolean trainable) {
            return Layers.checkNames(new Flatten(name, inputShape, trainable), p);
        }
    }

    @Override public Shape outputShape() { return Shape.vector(inputShape().size()); }
    @Override public LayerDescription description() { return LayerDescription.of(TYPE); }

    @Override
    public Flatten withTrainable(boolean trainable) {
        return new Flatten(name(), inputShape(), trainable);
    }

    @Override
    public Flatten withName(String newName) {
        return new Flatten(newName, inputShape(), trainable());
    }

    @Override
    public LayerOp op(OpContext context) {
        return ParameterlessOp.copy(context.backend(), inputShape().size());
    }
}
