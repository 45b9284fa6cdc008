package dev.graft;

import java.util.SplittableRandom;

/**
 * How a fresh layer's weights are drawn. Always driven by an explicit seed, so that the same
 * surgery with the same seed gives bit-identical models.
 *
 * <p>Glorot ("Xavier") suits tanh/sigmoid/linear layers, He suits ReLU-family layers. The normal
 * variants draw from an untruncated normal distribution.
 */
public record Initializer(Kind kind, double scale) {

    /** The supported schemes; {@code scale} is the half-range for UNIFORM and the deviation for NORMAL. */
    public enum Kind { GLOROT_UNIFORM, GLOROT_NORMAL, HE_UNIFORM, HE_NORMAL, UNIFORM, NORMAL, ZEROS }

    public static final Initializer GLOROT_UNIFORM = new Initializer(Kind.GLOROT_UNIFORM, 1);
    public static final Initializer GLOROT_NORMAL = new Initializer(Kind.GLOROT_NORMAL, 1);
    public static final Initializer HE_UNIFORM = new Initializer(Kind.HE_UNIFORM, 1);
    public static final Initializer HE_NORMAL = new Initializer(Kind.HE_NORMAL, 1);
    public static final Initializer ZEROS = new Initializer(Kind.ZEROS, 0);

    public Initializer {
        if (kind == null || !(scale >= 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("bad initializer " + kind + " scale " + scale);
        }
    }

    /** Uniform on [-halfRange, halfRange]. */
    public static Initializer uniform(double halfRange) {
        return new Initializer(Kind.UNIFORM, halfRange);
    }

    /** Normal with mean 0 and the given standard deviation. */
    public static Initializer normal(double stddev) {
        return new Initializer(Kind.NORMAL, stddev);
    }

    /** The conventional choice for a layer with this activation: He for the ReLU family, Glorot otherwise. */
    public static Initializer defaultFor(Activation activation) {
        return switch (activation.kind()) {
            case RELU, LEAKY_RELU, ELU -> HE_UNIFORM;
            default -> GLOROT_UNIFORM;
        };
    }

    /** Fills a {@code fanIn × fanOut} weight matrix (row-major) from {@code random}. */
    public float[] weights(int fanIn, int fanOut, SplittableRandom random) {
        return values(Math.multiplyExact(fanIn, fanOut), fanIn, fanOut, random);
    }

    /**
     * Fills {@code count} weights with the given fans, for kernels that are not a plain matrix: a
     * convolution kernel {@code [kh, kw, in, out]} has Keras's fans {@code kh·kw·in} and {@code kh·kw·out}.
     */
    public float[] values(int count, int fanIn, int fanOut, SplittableRandom random) {
        float[] w = new float[count];
        double limit;
        switch (kind) {
            case ZEROS -> { return w; }
            case GLOROT_UNIFORM -> limit = Math.sqrt(6.0 / (fanIn + fanOut));
            case HE_UNIFORM -> limit = Math.sqrt(6.0 / fanIn);
            case UNIFORM -> limit = scale;
            case GLOROT_NORMAL -> { return normal(w, Math.sqrt(2.0 / (fanIn + fanOut)), random); }
            case HE_NORMAL -> { return normal(w, Math.sqrt(2.0 / fanIn), random); }
            case NORMAL -> { return normal(w, scale, random); }
            default -> throw new AssertionError(kind);
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
        }
        return w;
    }

    private static float[] normal(float[] w, double std, SplittableRandom random) {
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * std);
        }
        return w;
    }
}
