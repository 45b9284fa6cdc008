package dev.graft;

import dev.graft.exec.LayerOp;
import dev.graft.exec.OpContext;
import dev.graft.exec.Pass;
import dev.graft.spi.Backend;
import dev.graft.spi.DeviceBuffer;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

/**
 * An {@link Activation} as a layer of its own, shape-preserving (Conv → BatchNorm → ReLU). Softmax
 * runs over the last dimension. {@link Dense} keeps its fused activation, which is faster; this
 * layer is for activations that follow a layer without one.
 */
public record ActivationLayer(String name, Shape shape, Activation activation, boolean trainable) implements Layer {

    /** The description type. */
    public static final String TYPE = "activation";

    public ActivationLayer {
        Model.checkName(name);
        if (shape == null || activation == null) {
            throw new IllegalArgumentException("layer '" + name + "': shape and activation are required");
        }
    }

    /** An activation layer to be placed by surgery or a builder; its shape follows the layer below. */
    public static LayerSpec spec(String name, Activation activation) {
        return new ShapeOnlySpec(name, inputShape -> new ActivationLayer(name, inputShape, activation, true));
    }

    /** Reads {@code activation(activation)} descriptions. */
    public static final class Type implements LayerType {
        @Override public String type() { return TYPE; }

        @Override
        public Layer create(String name, Shape inputShape, LayerDescription d, Map<String, float[]> p, boolean trainable) {
            return Layers.checkNames(
                    new ActivationLayer(name, inputShape, Activation.parse(d.string("activation")), trainable), p);
        }
    }

    @Override public Shape inputShape() { return shape; }
    @Override public Shape outputShape() { return shape; }
    @Override public List<Parameter> parameters() { return List.of(); }
    @Override public long parameterCount() { return 0; }
    @Override public boolean endsInSoftmax() { return activation.kind() == Activation.Kind.SOFTMAX; }

    @Override
    public FloatBuffer parameterView(String parameter) {
        throw new IllegalArgumentException(parameter(parameter).name());
    }

    @Override
    public ActivationLayer withParameters(Map<String, float[]> values) {
        Layers.checkNames(this, values);
        return this;
    }

    @Override
    public LayerDescription description() {
        return LayerDescription.of(TYPE).with("activation", activation.toString());
    }

    @Override
    public ActivationLayer withTrainable(boolean trainable) {
        return new ActivationLayer(name, shape, activation, trainable);
    }

    @Override
    public ActivationLayer withName(String newName) {
        return new ActivationLayer(newName, shape, activation, trainable);
    }

    @Override
    public LayerOp op(OpContext context) {
        Backend backend = context.backend();
        int cols = shape.dim(shape.rank() - 1);
        int perSample = shape.size() / cols;
        return new LayerOp() {
            private Activation applied = Activation.IDENTITY;

            @Override
            public void forward(DeviceBuffer input, DeviceBuffer output, int rows, Pass pass) {
                backend.copy(input, 0, output, 0, (long) rows * shape.size());
                applied = pass.logits() ? Activation.IDENTITY : activation;
                if (applied.kind() != Activation.Kind.IDENTITY) {
                    backend.biasActivation(output, null, rows * perSample, cols, applied);
                }
            }

            @Override
            public void backward(DeviceBuffer input, DeviceBuffer output, DeviceBuffer g, DeviceBuffer inputGrad, int rows) {
                if (inputGrad == null) {
                    return;
                }
                if (applied.kind() != Activation.Kind.IDENTITY) {
                    DeviceBuffer from = applied.derivativeFromOutput() ? output : input;
                    backend.activationBackward(from, g, rows * perSample, cols, applied);
                }
                backend.copy(g, 0, inputGrad, 0, (long) rows * shape.size());
            }
        };
    }
}
