package dev.graft.cpu;

import dev.graft.conv.ReferenceBatchNormKernels;
import dev.graft.spi.DeviceBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CPU batch-norm kernels against the reference (double) kernels: 5×7×3 images at batch 1 and 2,
 * a batch long enough that the float lane sums are folded into double several times, channels
 * that do not divide the staging chunk, and rows wider than a chunk.
 */
class CpuBatchNormTest {

    private final CpuBackend backend = (CpuBackend) CpuTestSupport.open();

    @AfterEach
    void close() {
        backend.close();
    }

    @ParameterizedTest(name = "{0} rows x {1} channels")
    @CsvSource({"35, 3", "70, 3", "6000, 3", "101, 37", "3, 1500"})
    void matchesReference(int rows, int channels) {
        SplittableRandom rnd = new SplittableRandom(rows * 31L + channels);
        float[] x = CpuTestSupport.random(rnd, rows * channels);
        for (int i = 0; i < x.length; i++) {
            x[i] = x[i] * (1 + i % 4) + 3 * (i % channels % 5); // distinct per-channel means and spreads
        }
        float[] gamma = CpuTestSupport.random(rnd, channels);
        float[] beta = CpuTestSupport.random(rnd, channels);
        float[] movingMean = CpuTestSupport.random(rnd, channels);
        float[] movingVariance = new float[channels];
        for (int c = 0; c < channels; c++) {
            movingVariance[c] = 0.1f + (float) rnd.nextDouble() * 2;
        }
        float[] dy = CpuTestSupport.random(rnd, rows * channels);
        float eps = 1e-3f;
        String what = rows + "x" + channels;
        try (CpuConvKernels kernels = new CpuConvKernels(backend)) {
            DeviceBuffer xb = put(x);
            DeviceBuffer g = put(gamma);
            DeviceBuffer b = put(beta);
            DeviceBuffer y = backend.allocate(x.length);
            kernels.batchNormInference(rows, channels, xb, g, b, put(movingMean), put(movingVariance), eps, y);
            check(ReferenceBatchNormKernels.inference(rows, channels, x, gamma, beta, movingMean, movingVariance, eps),
                    y, 1e-5, "inference " + what);
            DeviceBuffer inPlace = put(x);
            kernels.batchNormInference(rows, channels, inPlace, null, null, put(movingMean), put(movingVariance), eps,
                    inPlace);
            check(ReferenceBatchNormKernels.inference(rows, channels, x, null, null, movingMean, movingVariance, eps),
                    inPlace, 1e-5, "inference in place, no gamma/beta " + what);

            ReferenceBatchNormKernels.Training ref = ReferenceBatchNormKernels.training(rows, channels, x, gamma, beta, eps);
            DeviceBuffer mean = filled(channels);
            DeviceBuffer variance = filled(channels);
            kernels.batchNormTraining(rows, channels, xb, g, b, eps, y, mean, variance);
            check(ref.mean(), mean, 1e-6, "batch mean " + what);
            check(ref.variance(), variance, 1e-5, "batch variance " + what);
            check(ref.output(), y, 3e-5, "training output " + what);

            ReferenceBatchNormKernels.Gradients train = ReferenceBatchNormKernels.trainingBackward(rows, channels, x, dy,
                    gamma, ref.mean(), ref.variance(), eps);
            DeviceBuffer dx = filled(x.length);
            DeviceBuffer dg = filled(channels);
            DeviceBuffer db = filled(channels);
            kernels.batchNormBackward(true, rows, channels, xb, put(dy), g, put(ref.mean()), put(ref.variance()), eps,
                    dx, dg, db);
            double sumTol = 1e-5 * Math.sqrt(rows);
            check(train.input(), dx, 3e-5, "training input gradient " + what);
            check(train.gamma(), dg, sumTol, "training gamma gradient " + what);
            check(train.beta(), db, sumTol, "training beta gradient " + what);
            DeviceBuffer dxOnly = filled(x.length);
            kernels.batchNormBackward(true, rows, channels, xb, put(dy), g, put(ref.mean()), put(ref.variance()), eps,
                    dxOnly, null, null);
            check(train.input(), dxOnly, 3e-5, "training input gradient alone " + what);

            ReferenceBatchNormKernels.Gradients infer = ReferenceBatchNormKernels.inferenceBackward(rows, channels, x, dy,
                    gamma, movingMean, movingVariance, eps);
            kernels.batchNormBackward(false, rows, channels, xb, put(dy), g, put(movingMean), put(movingVariance), eps,
                    dx, dg, db);
            check(infer.input(), dx, 1e-5, "inference input gradient " + what);
            check(infer.gamma(), dg, sumTol, "inference gamma gradient " + what);
            check(infer.beta(), db, sumTol, "inference beta gradient " + what);

            float[] moving = movingVariance.clone();
            ReferenceBatchNormKernels.updateMoving(moving, ref.variance(), 0.99f);
            DeviceBuffer mv = put(movingVariance);
            kernels.updateMoving(channels, mv, variance, 0.99f);
            check(moving, mv, 1e-6, "moving variance update " + what);
        }
    }

    private DeviceBuffer put(float[] values) {
        return CpuTestSupport.put(backend, values);
    }

    private DeviceBuffer filled(int n) {
        float[] v = new float[n];
        Arrays.fill(v, Float.NaN);
        return put(v);
    }

    private void check(float[] expected, DeviceBuffer actual, double tol, String what) {
        double[] e = new double[expected.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = expected[i];
        }
        float[] got = CpuTestSupport.get(backend, actual, expected.length);
        CpuTestSupport.assertClose(e, got, tol, what);
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - e[i]) / (1 + Math.abs(e[i])));
        }
        System.out.printf("max error vs reference: %-90s %.3e%n", what, worst);
    }
}
