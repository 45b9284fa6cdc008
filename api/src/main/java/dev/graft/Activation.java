package dev.graft;

import java.util.Locale;

/**
 * An elementwise (or, for softmax, row-wise) non-linearity applied after a layer's affine map.
 *
 * <p>{@code alpha} is the negative slope of leaky ReLU and the saturation value of ELU; it is
 * ignored by the other kinds. Almost every derivative Graft needs is computable from the
 * activation's <em>output</em>, so layers need not keep pre-activations around; swish and hard
 * swish are not monotonic, so their derivative is computed from the <em>input</em> instead
 * ({@link #derivativeFromOutput()} is false), and a layer that applies one keeps its
 * pre-activation while training.
 *
 * <p>Definitions follow Keras 3: {@code relu6(x) = min(max(x, 0), 6)},
 * {@code swish(x) = x·sigmoid(x)} (alias {@code silu}), {@code hard_sigmoid(x) = relu6(x + 3)/6},
 * {@code hard_swish(x) = x·relu6(x + 3)/6} (alias {@code hard_silu}),
 * {@code selu(x) = λ·x} for {@code x > 0} else {@code λ·α·(eˣ − 1)} with {@link #SELU_SCALE} and
 * {@link #SELU_ALPHA}.
 */
public record Activation(Kind kind, float alpha) {

    /** The supported non-linearities. */
    public enum Kind { IDENTITY, RELU, LEAKY_RELU, ELU, TANH, SIGMOID, SOFTMAX, RELU6, SWISH, HARD_SWISH, HARD_SIGMOID, SELU }

    /** SELU's λ (Klambauer et al. 2017, as in Keras and TF). */
    public static final double SELU_SCALE = 1.0507009873554804934193349852946;
    /** SELU's α. */
    public static final double SELU_ALPHA = 1.6732632423543772848170429916717;

    public static final Activation IDENTITY = new Activation(Kind.IDENTITY, 0f);
    public static final Activation RELU = new Activation(Kind.RELU, 0f);
    public static final Activation TANH = new Activation(Kind.TANH, 0f);
    public static final Activation SIGMOID = new Activation(Kind.SIGMOID, 0f);
    public static final Activation SOFTMAX = new Activation(Kind.SOFTMAX, 0f);
    public static final Activation ELU = new Activation(Kind.ELU, 1f);
    public static final Activation RELU6 = new Activation(Kind.RELU6, 0f);
    public static final Activation SWISH = new Activation(Kind.SWISH, 0f);
    public static final Activation HARD_SWISH = new Activation(Kind.HARD_SWISH, 0f);
    public static final Activation HARD_SIGMOID = new Activation(Kind.HARD_SIGMOID, 0f);
    public static final Activation SELU = new Activation(Kind.SELU, 0f);

    public Activation {
        if (kind == null) {
            throw new IllegalArgumentException("activation kind is null");
        }
        if (kind == Kind.LEAKY_RELU && !(alpha > 0f && alpha < 1f)) {
            throw new IllegalArgumentException("leaky ReLU slope must be in (0, 1), got " + alpha);
        }
        if (kind == Kind.ELU && !(alpha > 0f)) {
            throw new IllegalArgumentException("ELU alpha must be positive, got " + alpha);
        }
        if (kind != Kind.LEAKY_RELU && kind != Kind.ELU) {
            alpha = 0f;
        }
    }

    /** Leaky ReLU with the given negative slope (Keras' default is 0.3, TF's {@code leaky_relu} 0.2). */
    public static Activation leakyRelu(float slope) {
        return new Activation(Kind.LEAKY_RELU, slope);
    }

    /** ELU with the given saturation value. */
    public static Activation elu(float alpha) {
        return new Activation(Kind.ELU, alpha);
    }

    /**
     * Whether the derivative is a function of the activation's output, so that
     * {@link dev.graft.spi.Backend#activationBackward} is given the output; false for swish and
     * hard swish, whose backward is given the pre-activation input.
     */
    public boolean derivativeFromOutput() {
        return kind != Kind.SWISH && kind != Kind.HARD_SWISH;
    }

    /**
     * Parses the names used by Graft's own format, Keras and TF: {@code relu}, {@code linear},
     * {@code leaky_relu(0.2)}, {@code elu}, {@code tanh}, {@code sigmoid}, {@code softmax},
     * {@code relu6}, {@code swish} / {@code silu}, {@code hard_swish} / {@code hard_silu},
     * {@code hard_sigmoid}, {@code selu}.
     */
    public static Activation parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        float arg = Float.NaN;
        int open = s.indexOf('(');
        if (open > 0 && s.endsWith(")")) {
            arg = Float.parseFloat(s.substring(open + 1, s.length() - 1));
            s = s.substring(0, open);
        }
        return switch (s) {
            case "identity", "linear", "none" -> IDENTITY;
            case "relu" -> RELU;
            case "leaky_relu", "leakyrelu", "lrelu" -> leakyRelu(Float.isNaN(arg) ? 0.2f : arg);
            case "elu" -> elu(Float.isNaN(arg) ? 1f : arg);
            case "tanh" -> TANH;
            case "sigmoid" -> SIGMOID;
            case "softmax" -> SOFTMAX;
            case "relu6" -> RELU6;
            case "swish", "silu" -> SWISH;
            case "hard_swish", "hard_silu", "hardswish" -> HARD_SWISH;
            case "hard_sigmoid" -> HARD_SIGMOID;
            case "selu" -> SELU;
            default -> throw new IllegalArgumentException("unknown activation '" + text
                    + "' (known: identity, relu, leaky_relu(a), elu(a), tanh, sigmoid, softmax, relu6, swish, silu,"
                    + " hard_swish, hard_sigmoid, selu)");
        };
    }

    /** The name {@link #parse} reads back, e.g. {@code relu} or {@code leaky_relu(0.2)}. */
    @Override
    public String toString() {
        String base = kind.name().toLowerCase(Locale.ROOT);
        return (kind == Kind.LEAKY_RELU || kind == Kind.ELU) ? base + "(" + alpha + ")" : base;
    }
}
