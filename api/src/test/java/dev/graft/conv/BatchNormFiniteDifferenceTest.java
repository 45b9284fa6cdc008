package dev.graft.conv;

import static dev.graft.conv.ConvTestSupport.assertClose;
import static dev.graft.conv.ConvTestSupport.dot;
import static dev.graft.conv.ConvTestSupport.finiteDifferences;
import static dev.graft.conv.ConvTestSupport.random;
import static dev.graft.conv.ConvTestSupport.report;
import static dev.graft.conv.ConvTestSupport.toDouble;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * BatchNorm's training and inference gradients against central finite differences of an
 * independent double computation (channels-last 5×7×3 images, batch 1 and 2).
 */
class BatchNormFiniteDifferenceTest {

    private static final int C = 3;
    private static final float EPS = 1e-3f;

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 2})
    void trainingGradients(int batch) {
        int rows = batch * 35;
        SplittableRandom rnd = new SplittableRandom(batch * 7L);
        float[] x = scaled(random(rnd, rows * C));
        float[] gamma = random(rnd, C);
        float[] beta = random(rnd, C);
        float[] up = random(rnd, rows * C);
        ReferenceBatchNormKernels.Training t = ReferenceBatchNormKernels.training(rows, C, x, gamma, beta, EPS);
        check("batch norm training forward batch " + batch, training(rows, toDouble(x), toDouble(gamma), toDouble(beta)),
                t.output());
        ReferenceBatchNormKernels.Gradients g = ReferenceBatchNormKernels.trainingBackward(rows, C, x, up, gamma,
                t.mean(), t.variance(), EPS);
        double h = 1e-4;
        check("batch norm training dx batch " + batch,
                finiteDifferences(x, h, xx -> dot(training(rows, xx, toDouble(gamma), toDouble(beta)), up)), g.input());
        check("batch norm training dgamma batch " + batch,
                finiteDifferences(gamma, h, gg -> dot(training(rows, toDouble(x), gg, toDouble(beta)), up)), g.gamma());
        check("batch norm training dbeta batch " + batch,
                finiteDifferences(beta, h, bb -> dot(training(rows, toDouble(x), toDouble(gamma), bb), up)), g.beta());
    }

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 2})
    void inferenceGradients(int batch) {
        int rows = batch * 35;
        SplittableRandom rnd = new SplittableRandom(batch * 11L);
        float[] x = scaled(random(rnd, rows * C));
        float[] gamma = random(rnd, C);
        float[] beta = random(rnd, C);
        float[] mean = random(rnd, C);
        float[] variance = {0.5f, 1.7f, 0.02f};
        float[] up = random(rnd, rows * C);
        check("batch norm inference forward batch " + batch,
                inference(rows, toDouble(x), toDouble(gamma), toDouble(beta), mean, variance),
                ReferenceBatchNormKernels.inference(rows, C, x, gamma, beta, mean, variance, EPS));
        ReferenceBatchNormKernels.Gradients g = ReferenceBatchNormKernels.inferenceBackward(rows, C, x, up, gamma,
                mean, variance, EPS);
        check("batch norm inference dx batch " + batch, finiteDifferences(x, 0.5,
                xx -> dot(inference(rows, xx, toDouble(gamma), toDouble(beta), mean, variance), up)), g.input());
        check("batch norm inference dgamma batch " + batch, finiteDifferences(gamma, 0.5,
                gg -> dot(inference(rows, toDouble(x), gg, toDouble(beta), mean, variance), up)), g.gamma());
        check("batch norm inference dbeta batch " + batch, finiteDifferences(beta, 0.5,
                bb -> dot(inference(rows, toDouble(x), toDouble(gamma), bb, mean, variance), up)), g.beta());
    }

    @Test
    void parametersOfTheWrongLengthAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReferenceBatchNormKernels.inference(35, C, new float[35 * C], new float[C], new float[C - 1],
                        new float[C], new float[C], EPS));
        assertTrue(e.getMessage().contains("beta must hold one value per channel (3)"),
                e.getMessage());
    }

    /** Inputs with per-channel offsets and spreads, so that the statistics differ between channels. */
    private static float[] scaled(float[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] = x[i] * (1 + i % C) + (i % C) - 1;
        }
        return x;
    }

    private static double[] training(int rows, double[] x, double[] gamma, double[] beta) {
        double[] y = new double[x.length];
        for (int c = 0; c < C; c++) {
            double mean = 0;
            for (int r = 0; r < rows; r++) {
                mean += x[r * C + c] / rows;
            }
            double variance = 0;
            for (int r = 0; r < rows; r++) {
                variance += (x[r * C + c] - mean) * (x[r * C + c] - mean) / rows;
            }
            for (int r = 0; r < rows; r++) {
                y[r * C + c] = gamma[c] * (x[r * C + c] - mean) / Math.sqrt(variance + EPS) + beta[c];
            }
        }
        return y;
    }

    private static double[] inference(int rows, double[] x, double[] gamma, double[] beta, float[] mean, float[] var) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            int c = i % C;
            y[i] = gamma[c] * (x[i] - mean[c]) / Math.sqrt(var[c] + (double) EPS) + beta[c];
        }
        return y;
    }

    private static void check(String what, double[] expected, float[] actual) {
        report("vs finite differences: " + what, assertClose(expected, actual, 1e-5, what));
    }
}
