package dev.graft.loader.tf;

import dev.graft.loader.tf.GraphParts.Chain;
import dev.graft.loader.tf.GraphParts.Drop;
import dev.graft.loader.tf.GraphParts.Input;
import dev.graft.loader.tf.GraphParts.Mask;
import dev.graft.loader.tf.GraphParts.Noise;
import dev.graft.loader.tf.GraphParts.Other;
import dev.graft.loader.tf.GraphParts.Scalar;
import dev.graft.loader.tf.GraphParts.Sym;
import dev.graft.loader.tf.GraphParts.Var;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;

/**
 * The arithmetic of TF's dropout subgraphs, on symbolic values: constants fold, uniform noise keeps its range
 * through shifts and scales, a comparison or {@code Floor} of noise becomes a keep-mask with a known rate,
 * and a chain scaled by {@code 1/keep} then multiplied by (or {@code SelectV2}'d with) a mask becomes a
 * {@link Drop}. Covers {@code tf.nn.dropout} in TF 1.x ({@code keep_prob}: {@code Floor(keep + U)},
 * {@code RealDiv}, {@code Mul}), TF ≥ 1.13 ({@code rate}: {@code GreaterEqual(U, rate)}, {@code Cast},
 * {@code Mul}) and TF 2 / Keras ({@code Mul} by scale, {@code GreaterEqual}, {@code SelectV2}).
 * A result of {@code null} means "not a dropout pattern": the walker treats the op as unknown.
 */
final class DropoutRules {

    static final Set<String> RANDOM_UNIFORM = Set.of("RandomUniform", "StatelessRandomUniform",
            "StatelessRandomUniformV2");
    private static final double TOLERANCE = 1e-4;
    /** Keras's traced layer calls: {@code __inference_<layer>_layer_call_and_return_conditional_losses_<n>}. */
    private static final Pattern KERAS_CALL = Pattern.compile("__inference_(.+?)_layer_call(?:_and_return_conditional_losses|_fn)_\\d+");

    private DropoutRules() {
    }

    /** A {@code Const} holding one value (scalar or splat) of a float type, else null. */
    static Scalar constant(NodeDef n) {
        AttrValue v = n.getAttrMap().get("value");
        if (v == null || !v.hasTensor()) {
            return null;
        }
        TensorProto t = v.getTensor();
        if (t.getDtype() == DataType.DT_FLOAT) {
            if (t.getFloatValCount() == 1) {
                return new Scalar(t.getFloatVal(0));
            }
            if (t.getTensorContent().size() == 4) {
                return new Scalar(t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getFloat());
            }
        } else if (t.getDtype() == DataType.DT_DOUBLE) {
            if (t.getDoubleValCount() == 1) {
                return new Scalar(t.getDoubleVal(0));
            }
            if (t.getTensorContent().size() == 8) {
                ByteBuffer b = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                return new Scalar(b.getDouble());
            }
        }
        return null;
    }

    /** {@code a + b} and {@code a - b} on scalars and noise; null when neither is noise nor both scalars. */
    static Sym add(Sym a, Sym b, boolean subtract) {
        if (a instanceof Scalar x && b instanceof Scalar y) {
            return new Scalar(subtract ? x.value() - y.value() : x.value() + y.value());
        }
        Noise noise = a instanceof Noise na ? na : b instanceof Noise nb ? nb : null;
        if (noise == null || (a instanceof Noise && b instanceof Noise)) {
            return null;
        }
        Sym other = noise == a ? b : a;
        if (other instanceof Chain || other instanceof Var) {
            return null;
        }
        if (other instanceof Scalar s && !(subtract && noise == b)) {
            double d = subtract ? -s.value() : s.value();
            return new Noise(noise.lo() + d, noise.hi() + d);
        }
        return new Noise(Double.NaN, Double.NaN); // e.g. keep_prob fed through a placeholder
    }

    /** {@code a * b} / {@code a / b} on scalars and noise (no chain involved); null otherwise. */
    static Sym scale(Sym a, Sym b, boolean divide) {
        if (a instanceof Scalar x && b instanceof Scalar y) {
            return new Scalar(divide ? x.value() / y.value() : x.value() * y.value());
        }
        if (a instanceof Noise n && b instanceof Scalar s && s.value() > 0) {
            double k = divide ? 1 / s.value() : s.value();
            return new Noise(n.lo() * k, n.hi() * k);
        }
        if (!divide && a instanceof Scalar s && s.value() > 0 && b instanceof Noise n) {
            return new Noise(n.lo() * s.value(), n.hi() * s.value());
        }
        return null;
    }

    /** {@code Floor(keep + U[0,1))}: 1 with probability {@code keep}. */
    static Sym floor(Sym a, String node) {
        if (!(a instanceof Noise n)) {
            return null;
        }
        boolean known = Math.abs(n.hi() - n.lo() - 1) < TOLERANCE && n.lo() > 0 && n.lo() <= 1;
        return new Mask(known ? 1 - n.lo() : Double.NaN, node);
    }

    /** {@code U >= rate} (and {@code >}, {@code <}, {@code <=} with the mask's meaning flipped). */
    static Sym compare(String op, Sym a, Sym b, String node) {
        boolean noiseLeft = a instanceof Noise;
        Noise n = noiseLeft ? (Noise) a : b instanceof Noise nb ? nb : null;
        Sym threshold = noiseLeft ? b : a;
        if (n == null || threshold instanceof Chain || threshold instanceof Noise) {
            return null;
        }
        // Probability that U < t; the mask keeps where U >= t for GreaterEqual/Greater with noise on the left.
        double below = threshold instanceof Scalar s && Double.isFinite(n.lo())
                ? Math.min(1, Math.max(0, (s.value() - n.lo()) / (n.hi() - n.lo()))) : Double.NaN;
        boolean keepsAbove = switch (op) {
            case "GreaterEqual", "Greater" -> noiseLeft;
            case "Less", "LessEqual" -> !noiseLeft;
            default -> throw new IllegalArgumentException(op);
        };
        return new Mask(keepsAbove ? below : 1 - below, node);
    }

    /**
     * The chain with a dropout appended: the mask gives the rate, the pending scale must be its
     * {@code 1/(1-rate)} (inverted dropout, what Graft's {@link dev.graft.Dropout} is); a missing rate is
     * read from the scale, and both missing give a NaN rate. Throws when the two disagree. The layer is named
     * after the calling node's scope inside a function ({@code callSite}), else after the op's scope.
     */
    static Chain applyMask(Chain c, Mask m, String node, String callSite, GraphWalker.Failure fail)
            throws dev.graft.loader.ModelFileException {
        String name = callSite != null ? callSite : scopeOf(node);
        double rate = m.rate();
        String detail;
        if (c.pending() == null) {
            detail = Double.isNaN(rate) ? "rate not in the graph (fed at run time)"
                    : "rate " + (float) rate + " from " + m.op() + "; the graph does not rescale by 1/(1-rate) "
                    + "(not inverted dropout), loaded as Graft's inverted dropout";
        } else if (Double.isNaN(c.pending().factor())) {
            detail = Double.isNaN(rate) ? "rate not in the graph (keep probability fed at run time)"
                    : "rate " + (float) rate + " from " + m.op();
        } else {
            double fromScale = 1 - 1 / c.pending().factor();
            if (Double.isNaN(rate)) {
                rate = fromScale;
                detail = "rate " + (float) rate + " from the scale in " + c.pending().op();
            } else if (Math.abs(rate - fromScale) > TOLERANCE) {
                throw fail.at(node, "dropout keeps " + (float) (1 - rate) + " of the values (" + m.op()
                        + ") but scales them by " + (float) c.pending().factor() + " (" + c.pending().op()
                        + "), not 1/keep: not an inverted dropout Graft can represent");
            } else {
                detail = "rate " + (float) rate + " from " + m.op();
            }
        }
        if (!Double.isNaN(rate) && !(rate >= 0 && rate < 1)) {
            throw fail.at(node, "dropout rate " + rate + " read from the graph is outside [0, 1)");
        }
        return c.append(new Drop(name, rate, node, detail));
    }

    /** Whether {@code s} can be a dropout scale operand: a constant or a fed scalar, never activations or weights. */
    static boolean scaleOperand(Sym s) {
        return s instanceof Scalar || s instanceof Input || s instanceof Other;
    }

    static String scopeOf(String node) {
        int slash = node.lastIndexOf('/');
        return slash > 0 ? node.substring(0, slash) : node;
    }

    /**
     * A Keras {@code Dropout} saved in its inference trace is the identity: the chain comes back unchanged.
     * Its rate is not in the graph, so it becomes a {@link Drop} without one (reported, no layer built).
     */
    static Sym kerasInferenceTrace(String function, Sym in, Sym out, String node) {
        Matcher m = KERAS_CALL.matcher(function);
        if (m.matches() && m.group(1).toLowerCase(Locale.ROOT).contains("dropout") && in instanceof Chain a
                && out instanceof Chain b && a.parts().equals(b.parts()) && b.pending() == null) {
            return b.append(new Drop(DropoutRules.scopeOf(node), Double.NaN, node, "Keras layer '" + m.group(1)
                    + "' is the identity in the saved inference trace; its rate is not in the graph"));
        }
        return out;
    }

}
