package dev.graft.tf;

import dev.graft.Dense;
import dev.graft.Layer;
import dev.graft.Model;
import java.util.ArrayList;
import java.util.List;
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
 * the SavedModel exporter write) plus its inference forward pass. Values are loaded by feeding
 * placeholders into assign ops, so the graph never embeds the weights as constants.
 */
final class TfModelGraph {

    /** One dense layer's variables and the ops that load them. */
    record DenseVars(Dense layer, Variable<TFloat32> weights, Variable<TFloat32> biases,
                     Placeholder<TFloat32> weightsIn, Placeholder<TFloat32> biasesIn, Op loadWeights, Op loadBiases) {
    }

    private final Model model;
    /** Per layer index; null for layers without parameters. */
    private final List<DenseVars> vars = new ArrayList<>();

    /**
     * Creates the variables, naming each layer's scope with {@code scopeName.apply(layerIndex)}:
     * {@code <scope>/weights} and {@code <scope>/biases} (TF's {@code fully_connected} names).
     */
    TfModelGraph(Ops tf, Model model, IntFunction<String> scopeName) {
        this.model = model;
        for (int i = 0; i < model.size(); i++) {
            if (model.layer(i) instanceof Dense d) {
                Ops scope = tf.withSubScope(scopeName.apply(i));
                Variable<TFloat32> w = scope.withName("weights").variable(Shape.of(d.inputWidth(), d.outputWidth()), TFloat32.class);
                Variable<TFloat32> b = scope.withName("biases").variable(Shape.of(d.outputWidth()), TFloat32.class);
                Placeholder<TFloat32> wIn = scope.withName("weights_value").placeholder(TFloat32.class,
                        Placeholder.shape(Shape.of(d.inputWidth(), d.outputWidth())));
                Placeholder<TFloat32> bIn = scope.withName("biases_value").placeholder(TFloat32.class,
                        Placeholder.shape(Shape.of(d.outputWidth())));
                vars.add(new DenseVars(d, w, b, wIn, bIn,
                        scope.withName("weights_load").assign(w, wIn), scope.withName("biases_load").assign(b, bIn)));
            } else {
                vars.add(null);
            }
        }
    }

    /** The variables of layer {@code index}, or null if it has none. */
    DenseVars vars(int index) {
        return vars.get(index);
    }

    /** Inference: dropout is the identity, every activation applied. */
    Operand<TFloat32> forward(Ops tf, Operand<TFloat32> input) {
        Operand<TFloat32> x = input;
        for (int i = 0; i < model.size(); i++) {
            DenseVars v = vars.get(i);
            if (v != null) {
                x = TfActivations.forward(tf, affine(tf, x, v), v.layer().activation());
            }
        }
        return x;
    }

    /** {@code x · W + b}. */
    static Operand<TFloat32> affine(Ops tf, Operand<TFloat32> x, DenseVars v) {
        return tf.nn.biasAdd(tf.linalg.matMul(x, v.weights()), v.biases());
    }

    /** Loads every layer's parameters from the model into the variables (one run). */
    void load(Session session) {
        loadLayers(session, model.layers());
    }

    /** Loads the given layers' parameters (same widths as the model's) into the variables. */
    void loadLayers(Session session, List<Layer> layers) {
        Session.Runner runner = session.runner();
        List<TFloat32> tensors = new ArrayList<>();
        try {
            for (int i = 0; i < layers.size(); i++) {
                DenseVars v = vars.get(i);
                if (v == null) {
                    continue;
                }
                Dense d = (Dense) layers.get(i);
                TFloat32 w = TfNetwork.matrix(d.weights(), 0, d.inputWidth(), d.outputWidth());
                tensors.add(w);
                TFloat32 b = TFloat32.tensorOf(Shape.of(d.outputWidth()));
                tensors.add(b);
                b.asRawTensor().data().asFloats().write(d.bias());
                runner.feed(v.weightsIn(), w).feed(v.biasesIn(), b).addTarget(v.loadWeights()).addTarget(v.loadBiases());
            }
            if (!runner.isEmpty()) {
                runner.run().close();
            }
        } finally {
            tensors.forEach(TFloat32::close);
        }
    }
}
