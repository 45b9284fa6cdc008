package dev.graft.loader.tf;

import dev.graft.loader.tf.GraphParts.Chain;
import dev.graft.loader.tf.GraphParts.Norm;
import dev.graft.loader.tf.GraphParts.Scalar;
import dev.graft.loader.tf.GraphParts.Sym;
import dev.graft.loader.tf.GraphParts.Var;

/**
 * Recognises batch norm in inference form as TF1 graphs compute it without the fused op
 * ({@code tf.nn.batch_normalization}, which {@code tf.layers.batch_normalization(fused=False)} and
 * {@code tf.contrib.layers.batch_norm} use): {@code inv = rsqrt(variance + ε) [· gamma]}, then
 * {@code x · inv + (beta − mean · inv)} (or {@code − mean · inv} without beta). Each step is a symbolic value;
 * the final add of the scaled activations and the shift built from the same {@code inv} is a batch-norm layer.
 * Operand order tells {@code inv · gamma} from {@code mean · inv}, as TF writes them.
 */
final class BatchNormRules {

    private BatchNormRules() {
    }

    /** An intermediate value of the batch-norm arithmetic. */
    sealed interface NormSym extends Sym permits Eps, Inv, MeanInv, Shift, Scaled {
    }

    /** {@code variance + ε}. */
    record Eps(String variance, double epsilon) implements NormSym {
    }

    /** {@code rsqrt(variance + ε)}, times {@code gamma} unless null. */
    record Inv(String variance, double epsilon, String gamma) implements NormSym {
    }

    /** {@code mean · inv}. */
    record MeanInv(String mean, Inv inv) implements NormSym {
    }

    /** {@code beta − mean · inv} ({@code beta} null: {@code −mean · inv}). */
    record Shift(String beta, String mean, Inv inv) implements NormSym {
    }

    /** Activations times {@code inv}, waiting for the shift. */
    record Scaled(Chain chain, Inv inv) implements NormSym {
    }

    /** {@code Add}/{@code AddV2}: variance + ε, or scaled activations + their shift (the layer); else null. */
    static Sym add(Sym a, Sym b, String op) {
        if (a instanceof Var v && b instanceof Scalar s && s.value() > 0) {
            return new Eps(v.name(), s.value());
        }
        if (b instanceof Var v && a instanceof Scalar s && s.value() > 0) {
            return new Eps(v.name(), s.value());
        }
        Scaled scaled = a instanceof Scaled x ? x : b instanceof Scaled y ? y : null;
        Shift shift = a instanceof Shift x ? x : b instanceof Shift y ? y : null;
        if (scaled != null && shift != null && scaled.inv().equals(shift.inv())) {
            Inv inv = shift.inv();
            return scaled.chain().append(new Norm(inv.gamma(), shift.beta(), shift.mean(), inv.variance(), inv.epsilon(), op));
        }
        return null;
    }

    /** {@code Rsqrt} of variance + ε. */
    static Sym rsqrt(Sym a) {
        return a instanceof Eps e ? new Inv(e.variance(), e.epsilon(), null) : null;
    }

    /** {@code Mul}: inv · gamma, mean · inv, or activations · inv; else null. */
    static Sym multiply(Sym a, Sym b) {
        if (a instanceof Inv inv && inv.gamma() == null && b instanceof Var gamma) {
            return new Inv(inv.variance(), inv.epsilon(), gamma.name());
        }
        if (a instanceof Var mean && b instanceof Inv inv) {
            return new MeanInv(mean.name(), inv);
        }
        Chain c = a instanceof Chain x ? x : b instanceof Chain y ? y : null;
        Inv inv = a instanceof Inv x ? x : b instanceof Inv y ? y : null;
        if (c != null && inv != null && c.pending() == null) {
            return new Scaled(c, inv);
        }
        return null;
    }

    /** {@code Sub}: beta − mean · inv. */
    static Sym subtract(Sym a, Sym b) {
        return a instanceof Var beta && b instanceof MeanInv m ? new Shift(beta.name(), m.mean(), m.inv()) : null;
    }

    /** {@code Neg}: −mean · inv (batch norm without beta). */
    static Sym negate(Sym a) {
        return a instanceof MeanInv m ? new Shift(null, m.mean(), m.inv()) : null;
    }
}
