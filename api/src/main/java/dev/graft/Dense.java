package dev.graft;

import java.nio.FloatBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A fully connected layer: {@code y = activation(x · W + b)} with {@code W} stored row-major as
 * {@code [inputWidth, outputWidth]} (TensorFlow's and Keras' orientation) and {@code b} of length
 * {@code outputWidth}.
 *
 * <p>The arrays are copied in and out, so a {@code Dense} can be shared freely; use
 * {@link #weightsView()} to read large weights without a copy.
 */
public final class Dense implements Layer {

    private final String name;
    private final int inputWidth;
    private final int outputWidth;
    private final Activation activation;
    private final float[] weights;
    private final float[] bias;
    private final boolean trainable;

    /**
     * A layer with the given parameters (copied).
     *
     * @throws IllegalArgumentException naming the layer if an array's length does not fit the widths
     *         or a value is not finite
     */
    public Dense(String name, int inputWidth, int outputWidth, Activation activation,
                 float[] weights, float[] bias, boolean trainable) {
        this.name = Model.checkName(name);
        if (inputWidth <= 0 || outputWidth <= 0) {
            throw new IllegalArgumentException("layer '" + name + "': widths must be positive, got "
                    + inputWidth + " -> " + outputWidth);
        }
        this.inputWidth = inputWidth;
        this.outputWidth = outputWidth;
        this.activation = Objects.requireNonNull(activation, "activation");
        if (weights.length != (long) inputWidth * outputWidth) {
            throw new IllegalArgumentException("layer '" + name + "': weights have " + weights.length
                    + " values, expected " + inputWidth + " x " + outputWidth + " = "
                    + (long) inputWidth * outputWidth);
        }
        if (bias.length != outputWidth) {
            throw new IllegalArgumentException("layer '" + name + "': bias has " + bias.length
                    + " values, expected " + outputWidth);
        }
        this.weights = weights.clone();
        this.bias = bias.clone();
        requireFinite(this.weights, "weights");
        requireFinite(this.bias, "bias");
        this.trainable = trainable;
    }

    /** A trainable layer with the given parameters. */
    public Dense(String name, int inputWidth, int outputWidth, Activation activation, float[] weights, float[] bias) {
        this(name, inputWidth, outputWidth, activation, weights, bias, true);
    }

    /** A fresh layer to be placed by surgery or a model builder; initialised by {@link Initializer#defaultFor}. */
    public static Spec spec(String name, int outputWidth, Activation activation) {
        return new Spec(name, outputWidth, activation, Initializer.defaultFor(activation));
    }

    /** A fresh dense layer, not yet placed: its input width comes from the layer below. */
    public record Spec(String name, int outputWidth, Activation activation, Initializer initializer)
            implements LayerSpec {

        /** The same spec with another weight initialiser (biases always start at zero). */
        public Spec initializer(Initializer init) {
            return new Spec(name, outputWidth, activation, init);
        }

        @Override
        public Dense create(int inputWidth, SplittableRandom random) {
            return new Dense(name, inputWidth, outputWidth, activation,
                    initializer.weights(inputWidth, outputWidth, random), new float[outputWidth], true);
        }
    }

    @Override public String name() { return name; }
    @Override public int inputWidth() { return inputWidth; }
    @Override public int outputWidth() { return outputWidth; }
    @Override public boolean trainable() { return trainable; }
    public Activation activation() { return activation; }

    /** A copy of the weights, row-major {@code [inputWidth, outputWidth]}. */
    public float[] weights() { return weights.clone(); }

    /** A copy of the bias. */
    public float[] bias() { return bias.clone(); }

    /** The weights without copying, read-only. */
    public FloatBuffer weightsView() { return FloatBuffer.wrap(weights).asReadOnlyBuffer(); }

    /** The bias without copying, read-only. */
    public FloatBuffer biasView() { return FloatBuffer.wrap(bias).asReadOnlyBuffer(); }

    @Override
    public long parameterCount() { return (long) weights.length + bias.length; }

    @Override
    public Dense withTrainable(boolean trainable) {
        return trainable == this.trainable ? this : new Dense(name, inputWidth, outputWidth, activation, weights, bias, trainable);
    }

    /** The same layer with new parameter values (copied); shapes must match. */
    public Dense withParameters(float[] weights, float[] bias) {
        return new Dense(name, inputWidth, outputWidth, activation, weights, bias, trainable);
    }

    /** The same layer under another name. */
    public Dense withName(String newName) {
        return new Dense(newName, inputWidth, outputWidth, activation, weights, bias, trainable);
    }

    /** Whether both layers hold bit-identical parameters (NaN-safe, {@code -0f != 0f}). */
    public boolean sameParameters(Dense other) {
        return Arrays.equals(weights, other.weights) && Arrays.equals(bias, other.bias);
    }

    @Override
    public void digestInto(MessageDigest digest) {
        digest.update(("dense|" + name + "|" + inputWidth + "|" + outputWidth + "|" + activation + "|")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        dev.graft.data.Floats.digest(digest, weights);
        dev.graft.data.Floats.digest(digest, bias);
    }

    private void requireFinite(float[] values, String what) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException("layer '" + name + "': " + what + "[" + i + "] is " + values[i]);
            }
        }
    }

    @Override
    public String toString() {
        return "Dense(" + name + ", " + inputWidth + " -> " + outputWidth + ", " + activation
                + (trainable ? "" : ", frozen") + ")";
    }
}
