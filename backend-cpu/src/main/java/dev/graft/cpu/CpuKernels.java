package dev.graft.cpu;

import dev.graft.spi.DropoutMask;
import java.nio.FloatBuffer;

/**
 * The loss, dropout and optimizer kernels over off-heap floats: flat loops with no allocation,
 * so that they stay a small fraction of a training step next to the GEMMs.
 */
final class CpuKernels {

    private CpuKernels() {
    }

    /** {@code out[j] = alpha Σ_i x[i, j] + beta out[j]}, summed in double into {@code acc} (length ≥ cols). */
    static void columnSums(FloatBuffer x, int rows, int cols, float alpha, FloatBuffer out, float beta, double[] acc) {
        java.util.Arrays.fill(acc, 0, cols, 0.0);
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int j = 0; j < cols; j++) {
                acc[j] += x.get(base + j);
            }
        }
        for (int j = 0; j < cols; j++) {
            float sum = (float) (alpha * acc[j]);
            out.put(j, beta == 0f ? sum : sum + beta * out.get(j));
        }
    }

    /** See {@link dev.graft.spi.Backend#softmaxCrossEntropy}; {@code grad} may be {@code logits} or null. */
    static double softmaxCrossEntropy(FloatBuffer logits, FloatBuffer labels, int rows, int cols,
                                      float gradScale, FloatBuffer grad) {
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            int label = label(labels.get(r), r, cols);
            float max = Float.NEGATIVE_INFINITY;
            for (int j = base; j < base + cols; j++) {
                max = Math.max(max, logits.get(j));
            }
            double sum = 0;
            for (int j = base; j < base + cols; j++) {
                sum += Math.exp(logits.get(j) - max);
            }
            double logSum = max + Math.log(sum);
            loss += logSum - logits.get(base + label);
            if (grad != null) {
                for (int j = base; j < base + cols; j++) {
                    double p = Math.exp(logits.get(j) - logSum);
                    grad.put(j, (float) ((j - base == label ? p - 1.0 : p) * gradScale));
                }
            }
        }
        return loss;
    }

    private static int label(float value, int row, int cols) {
        int label = (int) value;
        if (label != value || label < 0 || label >= cols) {
            throw new IllegalArgumentException("label " + value + " at row " + row
                    + " is not a class index in 0.." + (cols - 1));
        }
        return label;
    }

    /** See {@link dev.graft.spi.Backend#meanSquaredError}; {@code grad} may be {@code predictions} or null. */
    static double meanSquaredError(FloatBuffer p, FloatBuffer t, int rows, int cols, float gradScale, FloatBuffer grad) {
        double loss = 0;
        float factor = 2f / cols * gradScale;
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            double rowSum = 0;
            for (int j = base; j < base + cols; j++) {
                float d = p.get(j) - t.get(j);
                rowSum += (double) d * d;
                if (grad != null) {
                    grad.put(j, d * factor);
                }
            }
            loss += rowSum / cols;
        }
        return loss;
    }

    /** Inverted dropout with the shared {@link DropoutMask} rule. */
    static void dropout(FloatBuffer x, FloatBuffer mask, int length, float rate, long seed) {
        float scale = 1f / (1f - rate);
        for (int i = 0; i < length; i++) {
            float m = DropoutMask.keep(seed, i, rate) ? scale : 0f;
            mask.put(i, m);
            x.put(i, x.get(i) * m);
        }
    }

    static void multiply(FloatBuffer x, FloatBuffer factor, int length) {
        for (int i = 0; i < length; i++) {
            x.put(i, x.get(i) * factor.get(i));
        }
    }

    /** See {@link dev.graft.spi.Backend#sgdUpdate}. */
    static void sgd(FloatBuffer p, FloatBuffer g, FloatBuffer v, int n, float lr, float momentum,
                    boolean nesterov, float l2) {
        if (momentum == 0f) {
            for (int i = 0; i < n; i++) {
                float pi = p.get(i);
                p.put(i, pi - lr * (g.get(i) + l2 * pi));
            }
        } else if (!nesterov) {
            for (int i = 0; i < n; i++) {
                float pi = p.get(i);
                float vi = momentum * v.get(i) + (g.get(i) + l2 * pi);
                v.put(i, vi);
                p.put(i, pi - lr * vi);
            }
        } else {
            for (int i = 0; i < n; i++) {
                float pi = p.get(i);
                float gi = g.get(i) + l2 * pi;
                float vi = momentum * v.get(i) + gi;
                v.put(i, vi);
                p.put(i, pi - lr * (gi + momentum * vi));
            }
        }
    }

    /** See {@link dev.graft.spi.Backend#adamUpdate} (TF's formulation, ε outside the square root). */
    static void adam(FloatBuffer p, FloatBuffer g, FloatBuffer m, FloatBuffer v, int n, float lr,
                     float beta1, float beta2, float epsilon, long step, float l2) {
        float lrT = (float) (lr * Math.sqrt(1 - Math.pow(beta2, step)) / (1 - Math.pow(beta1, step)));
        float oneMinusB1 = 1f - beta1;
        float oneMinusB2 = 1f - beta2;
        for (int i = 0; i < n; i++) {
            float pi = p.get(i);
            float gi = g.get(i) + l2 * pi;
            float mi = beta1 * m.get(i) + oneMinusB1 * gi;
            float vi = beta2 * v.get(i) + oneMinusB2 * gi * gi;
            m.put(i, mi);
            v.put(i, vi);
            p.put(i, pi - lrT * mi / ((float) Math.sqrt(vi) + epsilon));
        }
    }
}
