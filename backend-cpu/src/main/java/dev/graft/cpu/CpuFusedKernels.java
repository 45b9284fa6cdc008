package dev.graft.cpu;

import dev.graft.Activation;
import dev.graft.spi.FusedDenseHead;

/**
 * The loops of {@link CpuFusedHead} over row arrays padded to {@link CpuFusedHead#LANES}. Every
 * vectorisable loop indexes all its arrays by the same {@code j}; the elementwise formulas are those
 * of {@link CpuActivations} and {@link CpuKernels}, so the fused and the separate paths round alike
 * wherever the order of the sums allows.
 */
final class CpuFusedKernels {

    private CpuFusedKernels() {
    }

    /** {@code y[r] = x[r] · W + bias} for {@code rows} rows; {@code w} holds {@code k} kernel rows, then the bias. */
    static void forward(float[][] x, int rows, int k, float[][] w, float[][] y, int width) {
        float[] bias = w[k];
        int r = 0;
        for (; r < rows; r++) {
            float[] acc = y[r];
            float[] xr = x[r];
            System.arraycopy(bias, 0, acc, 0, width);
            int i = 0;
            for (; i + 3 < k; i += 4) {
                madd4(acc, xr[i], w[i], xr[i + 1], w[i + 1], xr[i + 2], w[i + 2], xr[i + 3], w[i + 3], width);
            }
            for (; i < k; i++) {
                axpy(acc, xr[i], w[i], width);
            }
        }
    }

    /**
     * Adds this block's share to the gradients: {@code gw[i] += Σ_r x[r][i] · g[r]} for the kernel rows
     * and {@code gw[k] += Σ_r g[r]} for the bias.
     */
    static void accumulateGradients(float[][] x, float[][] g, int rows, int k, float[][] gw, int width) {
        float[] gb = gw[k];
        for (int r = 0; r < rows; r++) {
            add(gb, g[r], width);
        }
        for (int i = 0; i < k; i++) {
            float[] acc = gw[i];
            int r = 0;
            for (; r + 3 < rows; r += 4) {
                madd4(acc, x[r][i], g[r], x[r + 1][i], g[r + 1], x[r + 2][i], g[r + 2], x[r + 3][i], g[r + 3], width);
            }
            for (; r < rows; r++) {
                axpy(acc, x[r][i], g[r], width);
            }
        }
    }

    /**
     * {@code below[r][i] = Σ_{j < n} g[r][j] · w[i][j]}, the gradient with respect to the layer's input,
     * from the transposed kernel {@code wt[j]} (row {@code j} holds column {@code j} of the kernel,
     * padded): one axpy per output, over the whole padded input row.
     */
    static void backThrough(float[][] g, int rows, int n, float[][] wt, float[][] below) {
        for (int r = 0; r < rows; r++) {
            float[] gr = g[r];
            float[] dst = below[r];
            int width = wt[0].length;
            java.util.Arrays.fill(dst, 0, width, 0f);
            for (int j = 0; j < n; j++) {
                axpy(dst, gr[j], wt[j], width);
            }
        }
    }

    /** {@code wt[j][i] = w[i][j]} for the {@code k} kernel rows and {@code n} real columns. */
    static void transpose(float[][] w, int k, int n, float[][] wt) {
        for (int i = 0; i < k; i++) {
            float[] wi = w[i];
            for (int j = 0; j < n; j++) {
                wt[j][i] = wi[j];
            }
        }
    }

    private static void madd4(float[] acc, float a0, float[] w0, float a1, float[] w1,
                              float a2, float[] w2, float a3, float[] w3, int n) {
        for (int j = 0; j < n; j++) {
            acc[j] += a0 * w0[j] + a1 * w1[j] + a2 * w2[j] + a3 * w3[j];
        }
    }

    private static void axpy(float[] acc, float a, float[] w, int n) {
        for (int j = 0; j < n; j++) {
            acc[j] += a * w[j];
        }
    }

    private static void add(float[] acc, float[] v, int n) {
        for (int j = 0; j < n; j++) {
            acc[j] += v[j];
        }
    }

    /** The activation in place on the first {@code n} values of each row (formulas of {@link CpuActivations}). */
    static void activate(float[][] y, int rows, int n, Activation.Kind kind, float alpha) {
        for (int r = 0; r < rows; r++) {
            activate(y[r], 0, n, kind, alpha);
        }
    }

    /** The activation in place on {@code x[off, off + n)}. */
    static void activate(float[] x, int off, int n, Activation.Kind kind, float alpha) {
        int end = off + n;
        switch (kind) {
            case IDENTITY -> { }
            case RELU -> {
                for (int i = off; i < end; i++) {
                    x[i] = Math.max(0f, x[i]);
                }
            }
            case LEAKY_RELU -> {
                for (int i = off; i < end; i++) {
                    float v = x[i];
                    x[i] = v > 0f ? v : alpha * v;
                }
            }
            case ELU -> {
                for (int i = off; i < end; i++) {
                    float v = x[i];
                    x[i] = v > 0f ? v : (float) (alpha * Math.expm1(v));
                }
            }
            case TANH -> {
                for (int i = off; i < end; i++) {
                    x[i] = (float) Math.tanh(x[i]);
                }
            }
            case SIGMOID -> {
                for (int i = off; i < end; i++) {
                    x[i] = (float) (1.0 / (1.0 + Math.exp(-x[i])));
                }
            }
            case SOFTMAX -> throw new IllegalArgumentException("softmax inside a fused head");
            default -> throw new IllegalArgumentException("activation " + kind + " is not supported by the fused head");
        }
    }

    /** {@code g *= act'(y)} on the first {@code n} values of each row, from the activation's output. */
    static void activationBackward(float[][] y, float[][] g, int rows, int n, Activation.Kind kind, float alpha) {
        for (int r = 0; r < rows; r++) {
            activationBackward(y[r], g[r], 0, n, kind, alpha);
        }
    }

    /** {@code g *= act'(y)} on {@code [off, off + n)} of both arrays. */
    static void activationBackward(float[] y, float[] g, int off, int n, Activation.Kind kind, float alpha) {
        int end = off + n;
        switch (kind) {
            case IDENTITY -> { }
            case RELU -> {
                for (int i = off; i < end; i++) {
                    g[i] = y[i] > 0f ? g[i] : 0f;
                }
            }
            case LEAKY_RELU -> {
                for (int i = off; i < end; i++) {
                    g[i] = y[i] > 0f ? g[i] : alpha * g[i];
                }
            }
            case ELU -> {
                for (int i = off; i < end; i++) {
                    g[i] = y[i] > 0f ? g[i] : g[i] * (y[i] + alpha);
                }
            }
            case TANH -> {
                for (int i = off; i < end; i++) {
                    g[i] *= 1f - y[i] * y[i];
                }
            }
            case SIGMOID -> {
                for (int i = off; i < end; i++) {
                    g[i] *= y[i] * (1f - y[i]);
                }
            }
            case SOFTMAX -> throw new IllegalArgumentException("softmax inside a fused head");
            default -> throw new IllegalArgumentException("activation " + kind + " is not supported by the fused head");
        }
    }

    /**
     * Softmax cross-entropy of one row of {@code n} logits (formula of {@link CpuKernels}): writes
     * {@code (softmax − onehot) · gradScale} into {@code g} and returns {@code −log softmax[label]}.
     */
    static double softmaxCrossEntropy(float[] z, int n, int label, float gradScale, float[] g) {
        return softmaxCrossEntropy(z, 0, n, label, gradScale, g, 0);
    }

    /** The same on {@code z[zOff, zOff + n)}, writing {@code g[gOff, gOff + n)}. */
    static double softmaxCrossEntropy(float[] z, int zOff, int n, int label, float gradScale, float[] g, int gOff) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            max = Math.max(max, z[zOff + j]);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
            float e = (float) Math.exp(z[zOff + j] - max);
            g[gOff + j] = e;
            sum += e;
        }
        float scale = (float) (gradScale / sum);
        for (int j = 0; j < n; j++) {
            g[gOff + j] *= scale;
        }
        g[gOff + label] -= gradScale;
        return max + Math.log(sum) - z[zOff + label];
    }

    /**
     * The optimizer step on a layer's {@code k} kernel rows (with L2) and its bias row (without), then
     * clears the gradient accumulators. Formulas of {@link dev.graft.spi.Backend#sgdUpdate} and
     * {@link dev.graft.spi.Backend#adamUpdate}.
     */
    static void update(float[][] w, float[][] gw, float[][] s1, float[][] s2, int k, float lr, float l2,
                       FusedDenseHead.UpdateRule rule, long step) {
        float lrT = adamRate(lr, rule, step);
        for (int i = 0; i <= k; i++) {
            float[] g = gw[i];
            if (lr != 0f) {
                update(w[i], g, s1 == null ? null : s1[i], s2 == null ? null : s2[i], 0, g.length, lr, lrT,
                        i < k ? l2 : 0f, rule);
            }
            java.util.Arrays.fill(g, 0f);
        }
    }

    /** Adam's step size with both bias corrections at {@code step} (counted from 1); 0 for SGD. */
    static float adamRate(float lr, FusedDenseHead.UpdateRule rule, long step) {
        return rule.adam() ? (float) (lr * Math.sqrt(1 - Math.pow(rule.beta2(), step)) / (1 - Math.pow(rule.beta1(), step))) : 0f;
    }

    /**
     * The optimizer step on {@code [from, to)} of the parameters {@code p} with gradients {@code g} and
     * optimizer slots {@code m}, {@code v} (null where the rule has none); {@code decay} is the L2 factor.
     * Does not clear the gradients.
     */
    static void update(float[] p, float[] g, float[] m, float[] v, int from, int to, float lr, float lrT, float decay,
                       FusedDenseHead.UpdateRule rule) {
        if (rule.adam()) {
            float beta1 = rule.beta1();
            float beta2 = rule.beta2();
            float epsilon = rule.epsilon();
            float oneMinusB1 = 1f - beta1;
            float oneMinusB2 = 1f - beta2;
            for (int j = from; j < to; j++) {
                float gj = g[j] + decay * p[j];
                float mj = beta1 * m[j] + oneMinusB1 * gj;
                float vj = beta2 * v[j] + oneMinusB2 * gj * gj;
                m[j] = mj;
                v[j] = vj;
                p[j] -= lrT * mj / ((float) Math.sqrt(vj) + epsilon);
            }
        } else if (rule.momentum() == 0f) {
            for (int j = from; j < to; j++) {
                p[j] -= lr * (g[j] + decay * p[j]);
            }
        } else if (rule.nesterov()) {
            float mu = rule.momentum();
            for (int j = from; j < to; j++) {
                float gj = g[j] + decay * p[j];
                float vj = mu * m[j] + gj;
                m[j] = vj;
                p[j] -= lr * (gj + mu * vj);
            }
        } else {
            float mu = rule.momentum();
            for (int j = from; j < to; j++) {
                float vj = mu * m[j] + (g[j] + decay * p[j]);
                m[j] = vj;
                p[j] -= lr * vj;
            }
        }
    }
}
