package dev.graft.cpu;

import static dev.graft.cpu.CpuTestSupport.assertClose;
import static dev.graft.cpu.CpuTestSupport.get;
import static dev.graft.cpu.CpuTestSupport.put;
import static dev.graft.cpu.CpuTestSupport.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.spi.Backend;
import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.DropoutMask;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The CPU backend's elementwise, loss and optimizer kernels against double-precision loops. */
class CpuKernelsTest {

    private static final int ROWS = 13;
    private static final int COLS = 37;
    private final Backend backend = CpuTestSupport.open();
    private final SplittableRandom rnd = new SplittableRandom(42);

    @AfterEach
    void close() {
        backend.close();
    }

    private static DoubleUnaryOperator forward(Activation a) {
        double alpha = a.alpha();
        return switch (a.kind()) {
            case IDENTITY, SOFTMAX -> v -> v;
            case RELU -> v -> v > 0 ? v : 0;
            case LEAKY_RELU -> v -> v > 0 ? v : alpha * v;
            case ELU -> v -> v > 0 ? v : alpha * (Math.exp(v) - 1);
            case TANH -> Math::tanh;
            case SIGMOID -> v -> 1 / (1 + Math.exp(-v));
            case RELU6 -> v -> Math.min(6, Math.max(0, v));
            case SWISH -> v -> v / (1 + Math.exp(-v));
            case HARD_SIGMOID -> v -> Math.min(6, Math.max(0, v + 3)) / 6;
            case HARD_SWISH -> v -> v * Math.min(6, Math.max(0, v + 3)) / 6;
            case SELU -> v -> v > 0 ? 1.0507009873554805 * v : 1.0507009873554805 * 1.6732632423543772 * Math.expm1(v);
        };
    }

    private static Activation activation(String name) {
        return Activation.parse(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"identity", "relu", "leaky_relu(0.2)", "elu(0.7)", "tanh", "sigmoid", "softmax", "relu6", "swish",
        "hard_swish", "hard_sigmoid", "selu"})
    void biasActivationMatchesDoubleLoop(String name) {
        biasActivationCase(name, ROWS, COLS);
    }

    /** Shapes that span several staged chunks: many rows, and rows wider than a chunk. */
    @ParameterizedTest
    @ValueSource(strings = {"relu", "softmax", "sigmoid"})
    void biasActivationAcrossChunks(String name) {
        biasActivationCase(name, 97, 53);
        biasActivationCase(name, 3, 1500);
    }

    private void biasActivationCase(String name, int rows, int cols) {
        Activation act = activation(name);
        float[] x = random(rnd, rows * cols);
        float[] b = random(rnd, cols);
        double[] expected = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                double v = forward(act).applyAsDouble((double) x[r * cols + j] + b[j]);
                expected[r * cols + j] = v;
                max = Math.max(max, v);
            }
            if (act.kind() == Activation.Kind.SOFTMAX) {
                double sum = 0;
                for (int j = 0; j < cols; j++) {
                    sum += Math.exp(expected[r * cols + j] - max);
                }
                for (int j = 0; j < cols; j++) {
                    expected[r * cols + j] = Math.exp(expected[r * cols + j] - max) / sum;
                }
            }
        }
        DeviceBuffer xb = put(backend, x);
        backend.biasActivation(xb, put(backend, b), rows, cols, act);
        assertClose(expected, get(backend, xb, x.length), 1e-6, name);
        if (act.kind() != Activation.Kind.SOFTMAX) {
            DeviceBuffer noBias = put(backend, x);
            backend.biasActivation(noBias, null, rows, cols, act);
            assertEquals(forward(act).applyAsDouble(x[5]), get(backend, noBias, 6)[5], 1e-6, name + " without bias");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"identity", "relu", "leaky_relu(0.2)", "elu(0.7)", "tanh", "sigmoid", "softmax", "relu6", "swish",
        "hard_swish", "hard_sigmoid", "selu"})
    void activationBackwardMatchesFiniteDifferences(String name) {
        backwardCase(name, ROWS, COLS);
        backwardCase(name, 61, 45);
    }

    private void backwardCase(String name, int rows, int cols) {
        Activation act = activation(name);
        float[] pre = random(rnd, rows * cols);
        float[] g = random(rnd, rows * cols);
        DeviceBuffer y = put(backend, pre);
        backend.biasActivation(y, null, rows, cols, act);
        float[] yv = get(backend, y, pre.length);
        double[] expected = new double[pre.length];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                int i = r * cols + j;
                if (act.kind() == Activation.Kind.SOFTMAX) {
                    double dot = 0;
                    for (int q = 0; q < cols; q++) {
                        dot += (double) g[r * cols + q] * yv[r * cols + q];
                    }
                    expected[i] = yv[i] * (g[i] - dot);
                } else {
                    double h = 1e-4;
                    DoubleUnaryOperator f = forward(act);
                    expected[i] = g[i] * (f.applyAsDouble(pre[i] + h) - f.applyAsDouble(pre[i] - h)) / (2 * h);
                }
            }
        }
        DeviceBuffer gb = put(backend, g);
        backend.activationBackward(act.derivativeFromOutput() ? y : put(backend, pre), gb, rows, cols, act);
        assertClose(expected, get(backend, gb, g.length), 2e-4, name);
    }

    /**
     * The piecewise kinds at their kinks and at the extremes of float (the smallest subnormal, the
     * largest float, infinity, ±0): the backward pass keeps the incoming gradient exactly where the
     * derivative is 1 and zeroes it where it is 0, as the select {@code y > 0 ? g : 0} would.
     */
    @ParameterizedTest
    @ValueSource(strings = {"relu", "leaky_relu(0.2)", "elu(0.7)", "relu6", "hard_sigmoid"})
    void piecewiseBackwardIsExactAtEdges(String name) {
        Activation act = activation(name);
        float[] y = {Float.MIN_VALUE, -Float.MIN_VALUE, 0f, -0f, Float.MAX_VALUE, Float.POSITIVE_INFINITY, 1f, 6f,
            Math.nextDown(1f), Math.nextDown(6f), Math.nextUp(6f), -0.5f, 0.25f, 3f, 1e-30f, -1e-30f};
        float[] g = new float[y.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = (i % 2 == 0 ? 1 : -1) * (0.3f + i);
        }
        DeviceBuffer gb = put(backend, g);
        backend.activationBackward(put(backend, y), gb, 1, y.length, act);
        float[] got = get(backend, gb, g.length);
        float alpha = act.alpha();
        for (int i = 0; i < y.length; i++) {
            float v = y[i];
            float expected = switch (act.kind()) {
                case RELU -> v > 0 ? g[i] : 0f;
                case LEAKY_RELU -> v > 0 ? g[i] : alpha * g[i];
                case ELU -> v > 0 ? g[i] : g[i] * (v + alpha);
                case RELU6 -> v > 0 && v < 6 ? g[i] : 0f;
                case HARD_SIGMOID -> v > 0 && v < 1 ? g[i] / 6f : 0f;
                default -> throw new AssertionError(act);
            };
            assertEquals(expected, got[i], 0f, name + " at y = " + v);
        }
    }

    /**
     * The one-pass derivative + column sums gives the bits of the two separate calls (the same sums in
     * the same order), within one chunk and across several, with and without sums, for every kind.
     */
    @ParameterizedTest
    @ValueSource(strings = {"identity", "relu", "leaky_relu(0.2)", "elu(0.7)", "tanh", "sigmoid", "softmax", "relu6", "swish",
        "hard_swish", "hard_sigmoid", "selu"})
    void activationBackwardAndColumnSumsEqualsTheTwoCalls(String name) {
        for (int[] shape : new int[][] {{ROWS, COLS}, {300, 50}, {64, 5}, {3, 3000}}) {
            Activation act = activation(name);
            int rows = shape[0];
            int cols = shape[1];
            float[] pre = random(rnd, rows * cols);
            float[] g = random(rnd, rows * cols);
            float[] sums = random(rnd, cols);
            DeviceBuffer y = put(backend, pre);
            backend.biasActivation(y, null, rows, cols, act);
            DeviceBuffer from = act.derivativeFromOutput() ? y : put(backend, pre);

            DeviceBuffer g1 = put(backend, g);
            DeviceBuffer s1 = put(backend, sums);
            backend.activationBackward(from, g1, rows, cols, act);
            backend.columnSums(g1, rows, cols, -0.25f, s1, 1f);

            DeviceBuffer g2 = put(backend, g);
            DeviceBuffer s2 = put(backend, sums);
            backend.activationBackwardAndColumnSums(from, g2, rows, cols, act, -0.25f, s2, 1f);
            String where = name + " " + rows + "x" + cols;
            assertArrayEquals(get(backend, g1, g.length), get(backend, g2, g.length), where + " gradient");
            assertArrayEquals(get(backend, s1, cols), get(backend, s2, cols), where + " sums");

            DeviceBuffer g3 = put(backend, g);
            backend.activationBackwardAndColumnSums(from, g3, rows, cols, act, 1f, null, 0f);
            assertArrayEquals(get(backend, g1, g.length), get(backend, g3, g.length), where + " gradient without sums");
        }
    }

    @Test
    void columnSumsWithAlphaAndBeta() {
        columnSumsCase(ROWS, COLS);
        columnSumsCase(300, 50);
        columnSumsCase(4, 2000);
    }

    private void columnSumsCase(int rows, int cols) {
        float[] x = random(rnd, rows * cols);
        float[] out = random(rnd, cols);
        double[] expected = new double[cols];
        for (int j = 0; j < cols; j++) {
            double s = 0;
            for (int r = 0; r < rows; r++) {
                s += x[r * cols + j];
            }
            expected[j] = 0.5 * s + 2 * out[j];
        }
        DeviceBuffer ob = put(backend, out);
        backend.columnSums(put(backend, x), rows, cols, 0.5f, ob, 2f);
        assertClose(expected, get(backend, ob, cols), 1e-6, "sums");
        backend.columnSums(put(backend, x), rows, cols, 1f, ob, 0f);
        assertEquals(expected[3] - 2 * out[3], get(backend, ob, cols)[3] * 0.5, 1e-5);
    }

    @Test
    void softmaxCrossEntropyLossAndGradientInPlace() {
        sceCase(ROWS, 5);
        sceCase(700, 3);
        sceCase(37, 16); // 16 rows per logarithm, over two chunks of rows
        sceCase(3, 1000);
        sceCase(5, 2500); // a row wider than a staged chunk
    }

    private void sceCase(int rows, int classes) {
        float[] logits = random(rnd, rows * classes);
        float[] labels = new float[rows];
        double loss = 0;
        double[] grad = new double[logits.length];
        for (int r = 0; r < rows; r++) {
            labels[r] = r % classes;
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                sum += Math.exp(logits[r * classes + j]);
            }
            for (int j = 0; j < classes; j++) {
                double p = Math.exp(logits[r * classes + j]) / sum;
                grad[r * classes + j] = (p - (j == labels[r] ? 1 : 0)) * 0.25;
            }
            loss -= Math.log(Math.exp(logits[r * classes + (int) labels[r]]) / sum);
        }
        DeviceBuffer lb = put(backend, logits);
        double got = backend.softmaxCrossEntropy(lb, put(backend, labels), rows, classes, 0.25f, lb);
        assertEquals(loss, got, 1e-5);
        assertClose(grad, get(backend, lb, logits.length), 1e-6, "grad");
        assertEquals(loss, backend.softmaxCrossEntropy(put(backend, logits), put(backend, labels), rows, classes, 1f, null), 1e-5);
        int bad = rows - 1;
        labels[bad] = classes;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.softmaxCrossEntropy(put(backend, logits), put(backend, labels), rows, classes, 1f, null));
        assertTrue(e.getMessage().contains("row " + bad), e.getMessage());
    }

    @Test
    void meanSquaredErrorLossAndGradient() {
        float[] p = random(rnd, ROWS * COLS);
        float[] t = random(rnd, ROWS * COLS);
        double loss = 0;
        double[] grad = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            double d = (double) p[i] - t[i];
            loss += d * d / COLS;
            grad[i] = 2 * d / COLS * 0.5;
        }
        DeviceBuffer pb = put(backend, p);
        assertEquals(loss, backend.meanSquaredError(pb, put(backend, t), ROWS, COLS, 0.5f, pb), 1e-5);
        assertClose(grad, get(backend, pb, p.length), 1e-6, "grad");
    }

    @Test
    void dropoutUsesTheSharedMaskRuleAndMultiplyReappliesIt() {
        int n = 3000;
        float rate = 0.3f;
        float[] x = random(rnd, n);
        DeviceBuffer xb = put(backend, x);
        DeviceBuffer mask = backend.allocate(n);
        backend.dropout(xb, mask, n, rate, 1234L);
        float[] m = get(backend, mask, n);
        float[] y = get(backend, xb, n);
        int kept = 0;
        for (int i = 0; i < n; i++) {
            boolean keep = DropoutMask.keep(1234L, i, rate);
            kept += keep ? 1 : 0;
            assertEquals(keep ? 1f / (1f - rate) : 0f, m[i], "mask[" + i + "]");
            assertEquals(x[i] * m[i], y[i], "x[" + i + "]");
        }
        assertTrue(kept > 1950 && kept < 2250, "kept " + kept);
        DeviceBuffer g = put(backend, x);
        backend.multiply(g, mask, n);
        assertClose(toDouble(y), get(backend, g, n), 0, "multiply");
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "momentum", "nesterov"})
    void sgdMatchesDoubleLoop(String kind) {
        int n = 2501;
        float lr = 0.1f;
        float mom = kind.equals("plain") ? 0f : 0.9f;
        float l2 = 0.01f;
        float[] p = random(rnd, n);
        float[] g = random(rnd, n);
        float[] v = random(rnd, n);
        double[] ep = new double[n];
        double[] ev = new double[n];
        for (int i = 0; i < n; i++) {
            double gi = g[i] + l2 * (double) p[i];
            ev[i] = mom * (double) v[i] + gi;
            double step = mom == 0 ? gi : kind.equals("nesterov") ? gi + mom * ev[i] : ev[i];
            ep[i] = p[i] - lr * step;
        }
        DeviceBuffer pb = put(backend, p);
        DeviceBuffer vb = put(backend, v);
        backend.sgdUpdate(pb, put(backend, g), mom == 0 ? null : vb, n, lr, mom, kind.equals("nesterov"), l2);
        assertClose(ep, get(backend, pb, n), 1e-6, "params");
        if (mom != 0) {
            assertClose(ev, get(backend, vb, n), 1e-6, "velocity");
        }
    }

    @Test
    void adamMatchesDoubleLoop() {
        int n = 2049;
        float[] p = random(rnd, n);
        float[] g = random(rnd, n);
        float[] m = random(rnd, n);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = Math.abs(random(rnd, 1)[0]);
        }
        long step = 3;
        double lrT = 0.01 * Math.sqrt(1 - Math.pow(0.999, step)) / (1 - Math.pow(0.9, step));
        double[] ep = new double[n];
        double[] em = new double[n];
        double[] ev = new double[n];
        for (int i = 0; i < n; i++) {
            double gi = g[i] + 0.001 * p[i];
            em[i] = 0.9 * m[i] + 0.1 * gi;
            ev[i] = 0.999 * v[i] + 0.001 * gi * gi;
            ep[i] = p[i] - lrT * em[i] / (Math.sqrt(ev[i]) + 1e-7);
        }
        DeviceBuffer pb = put(backend, p);
        DeviceBuffer mb = put(backend, m);
        DeviceBuffer vb = put(backend, v);
        backend.adamUpdate(pb, put(backend, g), mb, vb, n, 0.01f, 0.9f, 0.999f, 1e-7f, step, 0.001f);
        assertClose(ep, get(backend, pb, n), 1e-5, "params");
        assertClose(em, get(backend, mb, n), 1e-6, "m");
        assertClose(ev, get(backend, vb, n), 1e-6, "v");
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }
}
