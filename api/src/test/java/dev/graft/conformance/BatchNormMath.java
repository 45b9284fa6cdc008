package dev.graft.conformance;

import dev.graft.BatchNorm;
import dev.graft.Dense;
import dev.graft.Model;

/**
 * An independent double-precision forward pass of the {@code dense → batch norm → dense} chain of
 * {@link NormalizationConformance}, in training mode (batch statistics, biased variance) or
 * inference mode (moving statistics), written from the formulas, not from Graft's kernels.
 */
final class BatchNormMath {

    private BatchNormMath() {
    }

    /** {@code tanh}/identity/softmax of {@code x·W + b} per row. */
    static double[][] dense(Dense d, float[] x, int rows) {
        return dense(d, toDouble(x, rows, d.inputWidth()), false);
    }

    private static double[][] dense(Dense d, double[][] in, boolean logits) {
        float[] w = d.weights();
        float[] b = d.bias();
        int out = d.outputWidth();
        double[][] y = new double[in.length][out];
        for (int r = 0; r < in.length; r++) {
            for (int o = 0; o < out; o++) {
                double s = b[o];
                for (int i = 0; i < in[r].length; i++) {
                    s += in[r][i] * w[i * out + o];
                }
                y[r][o] = s;
            }
            switch (d.activation().kind()) {
                case TANH -> {
                    for (int o = 0; o < out; o++) {
                        y[r][o] = Math.tanh(y[r][o]);
                    }
                }
                case SOFTMAX -> {
                    if (!logits) {
                        softmax(y[r]);
                    }
                }
                case IDENTITY -> { }
                default -> throw new AssertionError(d.activation());
            }
        }
        return y;
    }

    /** Per-channel mean and biased variance over the rows: {@code {mean, variance}}. */
    static double[][] moments(double[][] a, int rows, int channels) {
        double[] mean = new double[channels];
        double[] variance = new double[channels];
        for (int c = 0; c < channels; c++) {
            for (int r = 0; r < rows; r++) {
                mean[c] += a[r][c];
            }
            mean[c] /= rows;
            for (int r = 0; r < rows; r++) {
                variance[c] += (a[r][c] - mean[c]) * (a[r][c] - mean[c]);
            }
            variance[c] /= rows;
        }
        return new double[][] {mean, variance};
    }

    /** {@code moving·momentum + batch·(1 − momentum)}. */
    static float[] movingStep(float[] moving, double[] batch, double momentum) {
        float[] out = new float[moving.length];
        for (int c = 0; c < out.length; c++) {
            out[c] = (float) (moving[c] * momentum + batch[c] * (1 - momentum));
        }
        return out;
    }

    /** The chain's outputs (softmax probabilities, or logits) per row. */
    static double[][] chainOutputs(Model model, float[] x, int rows, boolean batchStatistics, boolean logits) {
        Dense h1 = (Dense) model.layer(0);
        BatchNorm bn = (BatchNorm) model.layer(1);
        Dense out = (Dense) model.layer(2);
        double[][] h = dense(h1, toDouble(x, rows, h1.inputWidth()), false);
        int channels = bn.channels();
        double[] mean;
        double[] variance;
        if (batchStatistics) {
            double[][] m = moments(h, rows, channels);
            mean = m[0];
            variance = m[1];
        } else {
            mean = toDouble(bn.parameterValues("moving_mean"));
            variance = toDouble(bn.parameterValues("moving_variance"));
        }
        float[] gamma = bn.parameterValues("gamma");
        float[] beta = bn.parameterValues("beta");
        for (double[] row : h) {
            for (int c = 0; c < channels; c++) {
                row[c] = gamma[c] * (row[c] - mean[c]) / Math.sqrt(variance[c] + bn.epsilon()) + beta[c];
            }
        }
        return dense(out, h, logits);
    }

    static double[][] chainOutputs(Model model, float[] x, int rows, boolean batchStatistics) {
        return chainOutputs(model, x, rows, batchStatistics, false);
    }

    /** Mean softmax cross-entropy of the chain on {@code rows} labelled samples. */
    static double chainLoss(Model model, float[] x, float[] labels, int rows, boolean batchStatistics) {
        double[][] z = chainOutputs(model, x, rows, batchStatistics, true);
        double total = 0;
        for (int r = 0; r < rows; r++) {
            total += HostMath.softmaxCrossEntropy(z[r], (int) labels[r]);
        }
        return total / rows;
    }

    private static void softmax(double[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (double d : v) {
            max = Math.max(max, d);
        }
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.exp(v[i] - max);
            sum += v[i];
        }
        for (int i = 0; i < v.length; i++) {
            v[i] /= sum;
        }
    }

    private static double[][] toDouble(float[] x, int rows, int width) {
        double[][] d = new double[rows][width];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < width; j++) {
                d[r][j] = x[r * width + j];
            }
        }
        return d;
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
