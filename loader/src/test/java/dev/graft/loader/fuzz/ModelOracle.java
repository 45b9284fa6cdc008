package dev.graft.loader.fuzz;

import dev.graft.Dense;
import dev.graft.Dropout;
import dev.graft.Layer;
import dev.graft.Model;
import java.util.Arrays;

/**
 * The fuzz oracle's notion of "the same model": the same layers (type, name, widths, activation,
 * trainability, dropout rate; shapes and configuration for the other layer types; each layer's inputs in a graph) and bit-identical weights and biases, hence identical outputs on any input.
 */
public final class ModelOracle {

    private ModelOracle() {
    }

    public static String architecture(Model m) {
        StringBuilder sb = new StringBuilder().append(m.inputWidth());
        for (Layer l : m.layers()) {
            sb.append(" -> ").append(l.getClass().getSimpleName()).append(' ').append(l.name()).append(' ')
                    .append(l.inputWidth()).append('x').append(l.outputWidth()).append(l.trainable() ? " trainable" : " frozen");
            if (l instanceof Dense d) {
                sb.append(' ').append(d.activation());
            } else if (l instanceof Dropout p) {
                sb.append(" rate ").append(p.rate());
            } else {
                sb.append(' ').append(l.inputShape()).append("->").append(l.outputShape()).append(' ').append(l.description().config());
            }
            if (!m.isChain()) {
                sb.append(" <- ").append(m.inputsOf(l.name()));
            }
        }
        if (!m.isChain()) {
            sb.append(" wired ").append(m.inbound());
        }
        return sb.toString();
    }

    public static boolean sameWeights(Model a, Model b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.layer(i) instanceof Dense x && b.layer(i) instanceof Dense y
                    && (!Arrays.equals(bits(x.weights()), bits(y.weights())) || !Arrays.equals(bits(x.bias()), bits(y.bias())))) {
                return false;
            }
            if (!(a.layer(i) instanceof Dense)) {
                for (var p : a.layer(i).parameters()) {
                    if (!b.layer(i).parameters().contains(p) || !Arrays.equals(bits(a.layer(i).parameterValues(p.name())),
                            bits(b.layer(i).parameterValues(p.name())))) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** Compares floats by their bits, so a flipped NaN payload or a -0 counts as different. */
    private static int[] bits(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Float.floatToRawIntBits(v[i]);
        }
        return out;
    }
}
