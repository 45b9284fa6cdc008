package dev.graft;

import dev.graft.exec.LayerOp;
import dev.graft.exec.OpContext;
import dev.graft.exec.Pass;
import dev.graft.spi.Backend;
import dev.graft.spi.DeviceBuffer;
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
        Backend backend = context.backend();
        long size = inputShape().size();
        return new LayerOp() {
            @Override
            public void forward(DeviceBuffer input, DeviceBuffer output, int rows, Pass pass) {
                backend.copy(input, 0, output, 0, rows * size);
            }

            @Override
            public void backward(DeviceBuffer input, DeviceBuffer output, DeviceBuffer g, DeviceBuffer inputGrad, int rows) {
                if (inputGrad != null) {
                    backend.copy(g, 0, inputGrad, 0, rows * size);
                }
            }
        };
    }
}
