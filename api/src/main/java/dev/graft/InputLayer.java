package dev.graft;

import dev.graft.exec.LayerOp;
import dev.graft.exec.OpContext;
import java.util.Map;

/**
 * One input of a graph {@link Model} (Keras's {@code InputLayer}): takes no layer's output, gives
 * its part of each sample unchanged. A model with {@code k} input layers has {@code k} inputs, in
 * list order, and a sample's features are their values concatenated in that order. An input layer
 * also lets several layers read the model's input (a branch at the input). It has no parameters
 * and is always frozen: nothing below it can train.
 */
public final class InputLayer extends ParameterlessLayer {

    /** The description type. */
    public static final String TYPE = "input";

    /** An input of samples of {@code shape}. */
    public InputLayer(String name, Shape shape) {
        super(name, shape, false);
    }

    /** Reads {@code input} descriptions (the trainability flag is ignored: an input is always frozen). */
    public static final class Type implements LayerType {
        @Override public String type() { return TYPE; }

        @Override
        public Layer create(String name, Shape inputShape, LayerDescription d, Map<String, float[]> p, boolean trainable) {
            return Layers.checkNames(new InputLayer(name, inputShape), p);
        }
    }

    @Override public Shape outputShape() { return inputShape(); }
    @Override public LayerDescription description() { return LayerDescription.of(TYPE); }

    /** This input layer: it is always frozen. */
    @Override
    public InputLayer withTrainable(boolean trainable) {
        return this;
    }

    @Override
    public InputLayer withName(String newName) {
        return new InputLayer(newName, inputShape());
    }

    /** A copy; executors usually place the input's values straight into this layer's output instead. */
    @Override
    public LayerOp op(OpContext context) {
        return ParameterlessOp.copy(context.backend(), inputShape().size());
    }
}
