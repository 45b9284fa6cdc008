package dev.graft.conv;

import static dev.graft.conv.ReferenceConvKernels.toFloat;

/**
 * The batch-normalisation oracle with Keras's semantics, over {@code [rows, channels]} float arrays
 * (a channels-last batch {@code [N, H, W, C]} is {@code N·H·W} rows of {@code C}): statistics are
 * per channel over all rows; {@code y = γ·(x − μ)/√(σ² + ε) + β}.
 *
 * <ul>
 *   <li>Inference (and every frozen BatchNorm): μ, σ² are the moving mean and variance.</li>
 *   <li>Training: μ, σ² are the batch mean and the <em>biased</em> batch variance
 *       ({@code Σ(x − μ)² / rows}), used both to normalise and, through
 *       {@link #updateMoving}, for the moving averages
 *       {@code moving = moving·momentum + batch·(1 − momentum)} — Keras 3's
 *       {@code BatchNormalization} ({@code ops.moments}, no Bessel correction).</li>
 * </ul>
 * <p>The moving-variance convention differs between frameworks; this class follows Keras 3, checked
 * against Keras 3.15 (see {@code gen_conv_cases.py}). tf.keras 2.x and TF1's
 * {@code tf.layers.batch_normalization} with {@code fused=True} (their default for 4-D NHWC input)
 * instead feed the Bessel-corrected batch variance {@code σ²·n/(n − 1)} that TF's
 * {@code FusedBatchNorm} op reports into the moving average (their non-fused path uses the biased
 * one); PyTorch also uses the corrected one. Normalisation in training uses the biased variance
 * everywhere. {@link #besselCorrected} gives the corrected value for a layer that wants to
 * reproduce the older convention.
 *
 * <p>A null γ means 1 (Keras {@code scale=False}), a null β means 0 ({@code center=False}).
 */
public final class ReferenceBatchNormKernels {

    private ReferenceBatchNormKernels() {
    }

    /** Training forward's output and the batch statistics it normalised with. */
    public record Training(float[] output, float[] mean, float[] variance) {
    }

    /** Gradients of a BatchNorm: with respect to its input, γ and β. */
    public record Gradients(float[] input, float[] gamma, float[] beta) {
    }

    /** Inference forward with the moving statistics. */
    public static float[] inference(int rows, int channels, float[] x, float[] gamma, float[] beta,
                                    float[] movingMean, float[] movingVariance, float epsilon) {
        check(rows, channels, x, "input");
        parameters(channels, gamma, beta, movingMean, movingVariance);
        float[] y = new float[rows * channels];
        for (int c = 0; c < channels; c++) {
            double inv = 1 / Math.sqrt((double) movingVariance[c] + epsilon);
            double g = gamma == null ? 1 : gamma[c];
            double b = beta == null ? 0 : beta[c];
            for (int r = 0; r < rows; r++) {
                int i = r * channels + c;
                y[i] = (float) (g * (x[i] - (double) movingMean[c]) * inv + b);
            }
        }
        return y;
    }

    /** Training forward: normalises with the batch mean and biased batch variance, and returns them. */
    public static Training training(int rows, int channels, float[] x, float[] gamma, float[] beta, float epsilon) {
        check(rows, channels, x, "input");
        parameters(channels, gamma, beta, new float[channels], new float[channels]);
        double[] mean = new double[channels];
        double[] variance = new double[channels];
        moments(rows, channels, x, mean, variance);
        float[] y = new float[rows * channels];
        for (int c = 0; c < channels; c++) {
            double inv = 1 / Math.sqrt(variance[c] + epsilon);
            double g = gamma == null ? 1 : gamma[c];
            double b = beta == null ? 0 : beta[c];
            for (int r = 0; r < rows; r++) {
                int i = r * channels + c;
                y[i] = (float) (g * (x[i] - mean[c]) * inv + b);
            }
        }
        return new Training(y, toFloat(mean), toFloat(variance));
    }

    /** Keras's moving-average step, in place: {@code moving[c] = moving[c]·momentum + batch[c]·(1 − momentum)}. */
    public static void updateMoving(float[] moving, float[] batch, float momentum) {
        if (moving.length != batch.length) {
            throw new IllegalArgumentException("moving statistic has " + moving.length + " channels, batch statistic "
                    + batch.length);
        }
        for (int c = 0; c < moving.length; c++) {
            moving[c] = (float) ((double) moving[c] * momentum + (double) batch[c] * (1 - (double) momentum));
        }
    }

    /** The Bessel-corrected (unbiased) variance {@code variance·rows/(rows − 1)}, as TF's fused op reports it (one row: unchanged). */
    public static float[] besselCorrected(float[] variance, int rows) {
        double factor = rows > 1 ? rows / (rows - 1.0) : 1.0;
        float[] out = new float[variance.length];
        for (int c = 0; c < variance.length; c++) {
            out[c] = (float) (variance[c] * factor);
        }
        return out;
    }

    /**
     * Training backward, through the batch statistics: with {@code x̂ = (x − μ)/√(σ² + ε)},
     * {@code dβ = Σ dy}, {@code dγ = Σ dy·x̂} and
     * {@code dx = γ/√(σ² + ε) · (dy − dβ/rows − x̂·dγ/rows)}.
     *
     * @param mean the batch mean the forward used
     * @param variance the biased batch variance the forward used
     */
    public static Gradients trainingBackward(int rows, int channels, float[] x, float[] gradOut, float[] gamma,
                                             float[] mean, float[] variance, float epsilon) {
        check(rows, channels, x, "input");
        check(rows, channels, gradOut, "output gradient");
        parameters(channels, gamma, null, mean, variance);
        float[] dx = new float[rows * channels];
        double[] dGamma = new double[channels];
        double[] dBeta = new double[channels];
        for (int c = 0; c < channels; c++) {
            double inv = 1 / Math.sqrt((double) variance[c] + epsilon);
            for (int r = 0; r < rows; r++) {
                int i = r * channels + c;
                dBeta[c] += gradOut[i];
                dGamma[c] += gradOut[i] * (x[i] - (double) mean[c]) * inv;
            }
            double g = gamma == null ? 1 : gamma[c];
            for (int r = 0; r < rows; r++) {
                int i = r * channels + c;
                double xHat = (x[i] - (double) mean[c]) * inv;
                dx[i] = (float) (g * inv * (gradOut[i] - dBeta[c] / rows - xHat * dGamma[c] / rows));
            }
        }
        return new Gradients(dx, toFloat(dGamma), toFloat(dBeta));
    }

    /**
     * Inference backward (a frozen BatchNorm between trainable layers, or a trainable one run in
     * inference mode): the statistics are constants, so {@code dx = γ·dy/√(σ² + ε)}.
     */
    public static Gradients inferenceBackward(int rows, int channels, float[] x, float[] gradOut, float[] gamma,
                                              float[] movingMean, float[] movingVariance, float epsilon) {
        check(rows, channels, x, "input");
        check(rows, channels, gradOut, "output gradient");
        parameters(channels, gamma, null, movingMean, movingVariance);
        float[] dx = new float[rows * channels];
        double[] dGamma = new double[channels];
        double[] dBeta = new double[channels];
        for (int c = 0; c < channels; c++) {
            double inv = 1 / Math.sqrt((double) movingVariance[c] + epsilon);
            double g = gamma == null ? 1 : gamma[c];
            for (int r = 0; r < rows; r++) {
                int i = r * channels + c;
                dBeta[c] += gradOut[i];
                dGamma[c] += gradOut[i] * (x[i] - (double) movingMean[c]) * inv;
                dx[i] = (float) (g * inv * gradOut[i]);
            }
        }
        return new Gradients(dx, toFloat(dGamma), toFloat(dBeta));
    }

    /** Per-channel mean and biased variance (two passes, in double). */
    private static void moments(int rows, int channels, float[] x, double[] mean, double[] variance) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < channels; c++) {
                mean[c] += x[r * channels + c];
            }
        }
        for (int c = 0; c < channels; c++) {
            mean[c] /= rows;
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < channels; c++) {
                double d = x[r * channels + c] - mean[c];
                variance[c] += d * d;
            }
        }
        for (int c = 0; c < channels; c++) {
            variance[c] /= rows;
        }
    }

    /** γ and β may be null; the statistics may not; each holds one value per channel. */
    private static void parameters(int channels, float[] gamma, float[] beta, float[] mean, float[] variance) {
        String[] names = {"gamma", "beta", "mean", "variance"};
        float[][] arrays = {gamma, beta, mean, variance};
        for (int i = 0; i < arrays.length; i++) {
            if ((arrays[i] == null && i >= 2) || (arrays[i] != null && arrays[i].length != channels)) {
                throw new IllegalArgumentException("batch norm " + names[i] + " must hold one value per channel ("
                        + channels + "), got " + (arrays[i] == null ? "null" : arrays[i].length));
            }
        }
    }

    private static void check(int rows, int channels, float[] values, String what) {
        if (rows < 1 || channels < 1 || values == null || values.length != (long) rows * channels) {
            throw new IllegalArgumentException("batch norm " + what + " must be " + rows + "x" + channels
                    + " (rows = batch·height·width, channels last), got "
                    + (values == null ? "null" : values.length + " floats"));
        }
    }
}
