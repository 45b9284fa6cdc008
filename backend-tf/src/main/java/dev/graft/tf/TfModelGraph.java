package dev.graft.tf;

import dev.graft.ActivationLayer;
import dev.graft.BatchNorm;
import dev.graft.Dense;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.Parameter;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * A Graft model's parameters as TF variables ({@code VariableV2}, which {@code Session.save} and
 * the SavedModel exporter write) plus its inference forward pass. One variable per parameter
 * descriptor; values are loaded by feeding placeholders into assign ops, so the graph never embeds
 * the weights as constants. Only layer types {@link TfLayers#compiles} knows are accepted.
 */
final class TfModelGraph {

    /** One parameter's variable and the ops that load it. */
    record Var(Parameter parameter, Variable<TFloat32> variable, Placeholder<TFloat32> value, Op load) {
    }

    private final Model model;
    /** Per layer index: its parameters' variables by parameter name (empty for layers without any). */
    private final List<Map<String, Var>> vars = new ArrayList<>();

    /**
     * Creates the variables, naming each layer's scope with {@code scopeName.apply(layerIndex)}:
     * dense layers get {@code <scope>/weights} and {@code <scope>/biases} (TF's {@code fully_connected} names).
     *
     * @throws IllegalArgumentException naming the layer and {@code component} for a layer type TF graphs do not know
     */
    TfModelGraph(Ops tf, Model model, IntFunction<String> scopeName, String component) {
        TfLayers.requireCompilable(model, component);
        this.model = model;
        for (int i = 0; i < model.size(); i++) {
            Layer layer = model.layer(i);
            Map<String, Var> layerVars = new LinkedHashMap<>();
            if (!layer.parameters().isEmpty()) {
                Ops scope = tf.withSubScope(scopeName.apply(i));
                for (Parameter p : layer.parameters()) {
                    String name = TfLayers.variableName(layer, p);
                    Shape shape = Shape.of(p.shape().toList().stream().mapToLong(Integer::longValue).toArray());
                    Variable<TFloat32> v = scope.withName(name).variable(shape, TFloat32.class);
                    Placeholder<TFloat32> in = scope.withName(name + "_value").placeholder(TFloat32.class, Placeholder.shape(shape));
                    layerVars.put(p.name(), new Var(p, v, in, scope.withName(name + "_load").assign(v, in)));
                }
            }
            vars.add(layerVars);
        }
    }

    /** The variables of layer {@code index} by parameter name (empty if it has none). */
    Map<String, Var> vars(int index) {
        return vars.get(index);
    }

    /** The variable of one parameter. */
    Variable<TFloat32> variable(int index, String parameter) {
        return vars.get(index).get(parameter).variable();
    }

    /** Inference: dropout is the identity, every activation applied. */
    Operand<TFloat32> forward(Ops tf, Operand<TFloat32> input) {
        Operand<TFloat32> x = input;
        for (int i = 0; i < model.size(); i++) {
            x = layer(tf, i, x, false);
        }
        return x;
    }

    /**
     * Layer {@code i} applied to {@code x} in inference mode (dropout, which training masks, is the
     * identity here); with {@code logits} a top softmax is left out for the loss to fuse.
     */
    Operand<TFloat32> layer(Ops tf, int i, Operand<TFloat32> x, boolean logits) {
        return layer(tf, i, x, logits, false, null);
    }

    /**
     * Layer {@code i} applied to {@code x}; {@code training} puts a BatchNorm in training mode (batch
     * statistics), whose moving-average assignments are added to {@code stateUpdates}.
     */
    Operand<TFloat32> layer(Ops tf, int i, Operand<TFloat32> x, boolean logits, boolean training, List<Op> stateUpdates) {
        return layer(tf, i, x, logits, training, stateUpdates, null);
    }

    /** As above; depthwise and dilated convolutions are added to {@code cuts} (unless null) for the train graph's backprop. */
    Operand<TFloat32> layer(Ops tf, int i, Operand<TFloat32> x, boolean logits, boolean training, List<Op> stateUpdates,
                            List<TfConvLayers.Cut> cuts) {
        Layer layer = model.layer(i);
        if (layer instanceof BatchNorm bn) {
            return TfBatchNorm.forward(tf, bn, vars.get(i), x, training, stateUpdates);
        }
        if (layer instanceof Dense d) {
            Operand<TFloat32> z = affine(tf, x, i);
            return logits ? z : TfActivations.forward(tf, z, d.activation());
        }
        if (layer instanceof ActivationLayer a) {
            return logits ? x : TfConvLayers.activation(tf, x, a.inputShape(), a.activation());
        }
        if (TfConvLayers.compiles(layer)) {
            return TfConvLayers.apply(tf, i, layer, x, vars(i), logits, cuts);
        }
        return x;
    }

    /** {@code x · W + b} of dense layer {@code i}. */
    Operand<TFloat32> affine(Ops tf, Operand<TFloat32> x, int i) {
        return tf.nn.biasAdd(tf.linalg.matMul(x, variable(i, "kernel")), variable(i, "bias"));
    }

    /** Loads every layer's parameters from the model into the variables (one run). */
    void load(Session session) {
        loadLayers(session, model.layers());
    }

    /** Loads the given layers' parameters (same descriptors as the model's) into the variables. */
    void loadLayers(Session session, List<Layer> layers) {
        Session.Runner runner = session.runner();
        List<TFloat32> tensors = new ArrayList<>();
        try {
            for (int i = 0; i < layers.size(); i++) {
                Layer layer = layers.get(i);
                for (Var v : vars.get(i).values()) {
                    long[] dims = v.parameter().shape().toList().stream().mapToLong(Integer::longValue).toArray();
                    TFloat32 t = TFloat32.tensorOf(Shape.of(dims));
                    tensors.add(t);
                    FloatBuffer values = layer.parameterView(v.parameter().name());
                    float[] copy = new float[values.remaining()];
                    values.duplicate().get(copy);
                    t.asRawTensor().data().asFloats().write(copy);
                    runner.feed(v.value(), t).addTarget(v.load());
                }
            }
            if (!runner.isEmpty()) {
                runner.run().close();
            }
        } finally {
            tensors.forEach(TFloat32::close);
        }
    }
}
