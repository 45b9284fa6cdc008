package dev.graft.bench.race;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The MLP races' network on TensorFlow Java ({@link TfGraph}): dense layers (ReLU, identity on the
 * last) cut at layer {@code cut}: the frozen trunk below it maps {@link #images} to
 * {@link #bottleneck}, the top above it maps either the bottleneck ({@link #fullLogits}) or fed cached
 * features ({@link #cachedLogits}) to logits. Variables {@code v0, v1, ...} are each layer's kernel
 * and bias in turn.
 */
final class TfMlp extends TfGraph {

    private final int cut;
    final Placeholder<TFloat32> images;
    final Placeholder<TFloat32> features;
    final Operand<TFloat32> bottleneck;
    final Operand<TFloat32> cachedLogits;
    final Operand<TFloat32> fullLogits;

    /** {@code layers}: {in, out} per dense layer; layers below {@code cut} form the frozen trunk. */
    TfMlp(int[][] layers, int cut) {
        this.cut = cut;
        images = tf.withName("images").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, layers[0][0])));
        features = tf.withName("features").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, layers[cut][0])));
        for (int[] layer : layers) {
            addVariable("v" + vars.size(), Shape.of(layer[0], layer[1]));
            addVariable("v" + vars.size(), Shape.of(layer[1]));
        }
        Operand<TFloat32> x = images;
        for (int l = 0; l < cut; l++) {
            x = dense(x, l, true);
        }
        bottleneck = x;
        cachedLogits = top(features, layers.length);
        fullLogits = top(bottleneck, layers.length);
    }

    private Operand<TFloat32> top(Operand<TFloat32> x, int layers) {
        for (int l = cut; l < layers; l++) {
            x = dense(x, l, l < layers - 1);
        }
        return x;
    }

    private Operand<TFloat32> dense(Operand<TFloat32> x, int layer, boolean relu) {
        Operand<TFloat32> z = tf.nn.biasAdd(tf.linalg.matMul(x, vars.get("v" + 2 * layer)), vars.get("v" + (2 * layer + 1)));
        return relu ? tf.nn.relu(z) : z;
    }

    /** The variables above the cut (the transfer job's trainable ones). */
    List<Variable<TFloat32>> topVariables() {
        return allVariables().subList(2 * cut, vars.size());
    }

    /** Every variable (the original network trained in full). */
    List<Variable<TFloat32>> allVariables() {
        return new ArrayList<>(vars.values());
    }

    /** Sets every variable: {@code weights} as {@link RaceData#readWeights} returns them. */
    void load(Session session, float[][] weights) {
        Map<String, float[]> byName = new LinkedHashMap<>();
        for (int i = 0; i < weights.length; i++) {
            byName.put("v" + i, weights[i]);
        }
        load(session, byName);
    }
}
