package dev.graft.cpu;

import dev.graft.Activation;
import java.nio.FloatBuffer;

/**
 * Bias + activation and the activations' backward passes over off-heap rows. Each kind has its
 * own flat loop (no per-element dispatch) so that C2 can unroll it; the transcendental kinds go
 * through {@link Math} in double precision.
 */
final class CpuActivations {

    private CpuActivations() {
    }

    /** {@code x[r, j] = act(x[r, j] + bias[j])} for {@code rows × cols}; {@code bias} may be null. */
    static void biasActivation(FloatBuffer x, FloatBuffer bias, int rows, int cols, Activation act) {
        if (act.kind() == Activation.Kind.SOFTMAX) {
            if (bias != null) {
                for (int r = 0; r < rows; r++) {
                    addBias(x, bias, r * cols, cols);
                }
            }
            for (int r = 0; r < rows; r++) {
                softmaxRow(x, r * cols, cols);
            }
            return;
        }
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            if (bias == null) {
                apply(x, base, cols, act);
            } else {
                biasApply(x, bias, base, cols, act);
            }
        }
    }

    private static void addBias(FloatBuffer x, FloatBuffer bias, int base, int cols) {
        for (int j = 0; j < cols; j++) {
            x.put(base + j, x.get(base + j) + bias.get(j));
        }
    }

    private static void biasApply(FloatBuffer x, FloatBuffer b, int base, int n, Activation act) {
        float alpha = act.alpha();
        switch (act.kind()) {
            case IDENTITY -> addBias(x, b, base, n);
            case RELU -> {
                for (int j = 0; j < n; j++) {
                    x.put(base + j, Math.max(0f, x.get(base + j) + b.get(j)));
                }
            }
            case LEAKY_RELU -> {
                for (int j = 0; j < n; j++) {
                    float v = x.get(base + j) + b.get(j);
                    x.put(base + j, v > 0f ? v : alpha * v);
                }
            }
            case ELU -> {
                for (int j = 0; j < n; j++) {
                    x.put(base + j, elu(x.get(base + j) + b.get(j), alpha));
                }
            }
            case TANH -> {
                for (int j = 0; j < n; j++) {
                    x.put(base + j, (float) Math.tanh(x.get(base + j) + b.get(j)));
                }
            }
            case SIGMOID -> {
                for (int j = 0; j < n; j++) {
                    x.put(base + j, sigmoid(x.get(base + j) + b.get(j)));
                }
            }
            case SOFTMAX -> throw new AssertionError("softmax is row-wise");
        }
    }

    private static void apply(FloatBuffer x, int base, int n, Activation act) {
        float alpha = act.alpha();
        switch (act.kind()) {
            case IDENTITY -> { }
            case RELU -> {
                for (int j = base; j < base + n; j++) {
                    x.put(j, Math.max(0f, x.get(j)));
                }
            }
            case LEAKY_RELU -> {
                for (int j = base; j < base + n; j++) {
                    float v = x.get(j);
                    x.put(j, v > 0f ? v : alpha * v);
                }
            }
            case ELU -> {
                for (int j = base; j < base + n; j++) {
                    x.put(j, elu(x.get(j), alpha));
                }
            }
            case TANH -> {
                for (int j = base; j < base + n; j++) {
                    x.put(j, (float) Math.tanh(x.get(j)));
                }
            }
            case SIGMOID -> {
                for (int j = base; j < base + n; j++) {
                    x.put(j, sigmoid(x.get(j)));
                }
            }
            case SOFTMAX -> throw new AssertionError("softmax is row-wise");
        }
    }

    private static float elu(float v, float alpha) {
        return v > 0f ? v : (float) (alpha * Math.expm1(v));
    }

    private static float sigmoid(float v) {
        return (float) (1.0 / (1.0 + Math.exp(-v)));
    }

    /** Numerically stable softmax of one row, in place. */
    static void softmaxRow(FloatBuffer x, int base, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = base; j < base + n; j++) {
            max = Math.max(max, x.get(j));
        }
        double sum = 0;
        for (int j = base; j < base + n; j++) {
            float e = (float) Math.exp(x.get(j) - max);
            x.put(j, e);
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int j = base; j < base + n; j++) {
            x.put(j, x.get(j) * inv);
        }
    }

    /** {@code g *= act'(y)} for {@code rows × cols}, from the activation's output {@code y}. */
    static void backward(FloatBuffer y, FloatBuffer g, int rows, int cols, Activation act) {
        int n = rows * cols;
        float alpha = act.alpha();
        switch (act.kind()) {
            case IDENTITY -> { }
            case RELU -> {
                for (int i = 0; i < n; i++) {
                    g.put(i, y.get(i) > 0f ? g.get(i) : 0f);
                }
            }
            case LEAKY_RELU -> {
                for (int i = 0; i < n; i++) {
                    float gi = g.get(i);
                    g.put(i, y.get(i) > 0f ? gi : alpha * gi);
                }
            }
            case ELU -> {
                for (int i = 0; i < n; i++) {
                    float yi = y.get(i);
                    float gi = g.get(i);
                    g.put(i, yi > 0f ? gi : gi * (yi + alpha));
                }
            }
            case TANH -> {
                for (int i = 0; i < n; i++) {
                    float yi = y.get(i);
                    g.put(i, g.get(i) * (1f - yi * yi));
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < n; i++) {
                    float yi = y.get(i);
                    g.put(i, g.get(i) * yi * (1f - yi));
                }
            }
            case SOFTMAX -> {
                for (int r = 0; r < rows; r++) {
                    int base = r * cols;
                    double dot = 0;
                    for (int j = base; j < base + cols; j++) {
                        dot += (double) g.get(j) * y.get(j);
                    }
                    float d = (float) dot;
                    for (int j = base; j < base + cols; j++) {
                        g.put(j, y.get(j) * (g.get(j) - d));
                    }
                }
            }
        }
    }
}
