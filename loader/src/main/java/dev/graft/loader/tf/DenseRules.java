package dev.graft.loader.tf;

import dev.graft.loader.ModelFileException;
import dev.graft.loader.tf.GraphParts.Chain;
import dev.graft.loader.tf.GraphParts.ConvStep;
import dev.graft.loader.tf.GraphParts.Input;
import dev.graft.loader.tf.GraphParts.Lost;
import dev.graft.loader.tf.GraphParts.Mask;
import dev.graft.loader.tf.GraphParts.Scalar;
import dev.graft.loader.tf.GraphParts.Step;
import dev.graft.loader.tf.GraphParts.Sym;
import dev.graft.loader.tf.GraphParts.Var;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.NodeDef;

/**
 * The dense-layer ops for {@link GraphWalker}: {@code MatMul} of activations with a weight variable, the bias add of
 * a dense or convolution layer, and the multiplications and selects of TF's dropout subgraphs ({@link DropoutRules}).
 */
final class DenseRules {

    private DenseRules() {
    }

    /**
     * {@code MatMul} of activations and a weight variable: a dense layer (orientation from the operand order and the
     * transpose flags). A variable multiplied with lost activations is recorded in {@code lostLayers} (and
     * {@code lostMatMuls}) so the walk can name the op that cut the chain.
     */
    static Sym matmul(NodeDef n, Sym a, Sym b, Map<String, Lost> lostLayers, Set<String> lostMatMuls) {
        boolean ta = flag(n, "transpose_a");
        boolean tb = flag(n, "transpose_b");
        Sym lostIn = a instanceof Lost || scaledChain(a) ? a : b instanceof Lost || scaledChain(b) ? b : null;
        Sym weights = lostIn == a ? b : a;
        if (lostIn != null && weights instanceof Var v) {
            lostLayers.putIfAbsent(v.name(), lostIn instanceof Lost l ? l : lostByScale((Chain) lostIn));
            lostMatMuls.add(v.name());
            return null;
        }
        if (isActivations(a) && b instanceof Var w && !ta) {
            return chainOf(a).append(new Step(w.name(), tb, null, null, n.getName()));
        }
        if (a instanceof Var w && isActivations(b) && !tb) {
            // W·x with column vectors: op(W) is [out, in], so W stored untransposed is [out, in].
            return chainOf(b).append(new Step(w.name(), !ta, null, null, n.getName()));
        }
        return null;
    }

    private static boolean scaledChain(Sym s) {
        return s instanceof Chain c && c.pending() != null;
    }

    private static Lost lostByScale(Chain c) {
        return new Lost(c.pending().op(), "(a scaling with no dropout mask after it)", c.lastLayerName(), null);
    }

    static boolean isActivations(Sym s) {
        return s instanceof Input || (s instanceof Chain c && c.pending() == null);
    }

    static Chain chainOf(Sym s) {
        return s instanceof Chain c ? c : s instanceof Input i ? Chain.from(i) : Chain.EMPTY;
    }

    /** {@code Add}/{@code BiasAdd} of a dense or convolution layer's output and its bias variable (or dropout arithmetic). */
    static Sym add(Sym a, Sym b) {
        Sym arithmetic = DropoutRules.add(a, b, false);
        if (arithmetic != null) {
            return arithmetic;
        }
        Chain c = a instanceof Chain ca ? ca : b instanceof Chain cb ? cb : null;
        Sym other = c == a ? b : a;
        Step last = c == null ? null : c.lastStep();
        if (last != null && c.pending() == null && other instanceof Var v && last.bias() == null && last.activation() == null) {
            return c.replaceLast(last.withBias(v.name()));
        }
        if (c != null && c.pending() == null && c.lastPart() instanceof ConvStep conv && other instanceof Var v
                && conv.bias() == null && conv.activation() == null) {
            return c.replaceLast(conv.withBias(v.name()));
        }
        return null;
    }

    /** {@code Mul}/{@code RealDiv}: dropout's mask and scaling of activations ({@code site}: the calling function's scope). */
    static Sym multiply(NodeDef n, Sym a, Sym b, boolean divide, String site, GraphWalker.Failure fail) throws ModelFileException {
        Sym arithmetic = DropoutRules.scale(a, b, divide);
        if (arithmetic != null) {
            return arithmetic;
        }
        Chain c = a instanceof Chain ca ? ca : !divide && b instanceof Chain cb ? cb : null;
        Sym other = c == a ? b : a;
        if (c == null) {
            return null;
        }
        if (!divide && other instanceof Mask m) {
            return DropoutRules.applyMask(c, m, n.getName(), site, fail);
        }
        if (DropoutRules.scaleOperand(other)) {
            double k = other instanceof Scalar s ? s.value() : Double.NaN;
            return c.scaled(divide ? 1 / k : k, n.getName());
        }
        return null;
    }

    /** {@code Select}: Keras's dropout written as a select of kept activations and zeros. */
    static Sym select(NodeDef n, Sym condition, Sym then, Sym otherwise, String site, GraphWalker.Failure fail)
            throws ModelFileException {
        if (condition instanceof Mask m && then instanceof Chain c && !(otherwise instanceof Chain)
                && !(otherwise instanceof Lost)) {
            return DropoutRules.applyMask(c, m, n.getName(), site, fail);
        }
        return null;
    }

    private static boolean flag(NodeDef n, String attr) {
        AttrValue v = n.getAttrMap().get(attr);
        return v != null && v.getB();
    }
}
