package dev.graft;

import java.util.Locale;

/**
 * An elementwise (or, for softmax, row-wise) non-linearity applied after a layer's affine map.
 *
 * <p>{@code alpha} is the negative slope of leaky ReLU and the saturation value of ELU; it is
 * ignored by the other kinds. Every derivative Graft needs is computable from the activation's
 * <em>output</em>, so backends never keep pre-activations around.
 */
public record Activation(Kind kind, float alpha) {

    /** The supported non-linearities. */
    public enum Kind { IDENTITY, RELU, LEAKY_RELU, ELU, TANH, SIGMOID, SOFTMAX }

    public static final Activation IDENTITY = new Activation(Kind.IDENTITY, 0f);
    public static final Activation RELU = new Activation(Kind.RELU, 0f);
    public static final Activation TANH = new Activation(Kind.TANH, 0f);
    public static final Activation SIGMOID = new Activation(Kind.SIGMOID, 0f);
    public static final Activation SOFTMAX = new Activation(Kind.SOFTMAX, 0f);
    public static final Activation ELU = new Activation(Kind.ELU, 1f);

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
     * Parses the names used by Graft's own format, Keras and TF: {@code relu}, {@code linear},
     * {@code leaky_relu(0.2)}, {@code elu}, {@code tanh}, {@code sigmoid}, {@code softmax}.
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
            default -> throw new IllegalArgumentException("unknown activation '" + text
                    + "' (known: identity, relu, leaky_relu(a), elu(a), tanh, sigmoid, softmax)");
        };
    }

    /** The name {@link #parse} reads back, e.g. {@code relu} or {@code leaky_relu(0.2)}. */
    @Override
    public String toString() {
        String base = kind.name().toLowerCase(Locale.ROOT);
        return (kind == Kind.LEAKY_RELU || kind == Kind.ELU) ? base + "(" + alpha + ")" : base;
    }
}
