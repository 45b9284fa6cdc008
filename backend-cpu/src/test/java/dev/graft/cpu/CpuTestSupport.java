package dev.graft.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.spi.DeviceBuffer;
import java.util.SplittableRandom;

/** Helpers shared by the kernel tests: random data, uploads, and tolerant comparisons with double loops. */
final class CpuTestSupport {

    private CpuTestSupport() {
    }

    static Backend open() {
        CpuBackendProvider provider = new CpuBackendProvider();
        assertTrue(provider.probe().available(), provider.probe().reason());
        return provider.open(BackendOptions.defaults());
    }

    static float[] random(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }

    static DeviceBuffer put(Backend backend, float[] values) {
        DeviceBuffer b = backend.allocate(values.length);
        backend.upload(values, 0, b, 0, values.length);
        return b;
    }

    static float[] get(Backend backend, DeviceBuffer buffer, int n) {
        float[] out = new float[n];
        backend.download(buffer, 0, out, 0, n);
        return out;
    }

    /** Asserts {@code |actual - expected| <= tol · (1 + |expected|)} elementwise. */
    static void assertClose(double[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(actual[i] - expected[i]);
            if (!(err <= tol * (1 + Math.abs(expected[i])))) {
                throw new AssertionError(what + "[" + i + "]: expected " + expected[i] + " got " + actual[i]);
            }
        }
    }

    /** {@code alpha · op(A)·op(B) + beta · C} in double precision, by the definition (row-major; op = transpose when asked). */
    static double[] gemmByHand(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, float[] b,
                               float beta, float[] c) {
        double[] expected = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
                }
                expected[i * n + j] = alpha * s + beta * c[i * n + j];
            }
        }
        return expected;
    }
}
