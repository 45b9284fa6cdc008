package dev.graft.cuda;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;

/** Helpers of the tests that run the convolution families' kernels on the CPU ({@link HostKernelDevice}). */
final class HostKernelCase {

    private HostKernelCase() {
    }

    /** Skips the calling test, with the reason, where there is no C++ compiler. */
    static void assumeCompiler() {
        assumeTrue(HostKernelDriver.compiler() != null,
                "no g++ or c++ on PATH: the CUDA kernel sources are not run on the CPU here (nvcc compile checks still apply)");
    }

    /** {@code n} floats uniform in [-1, 1). */
    static float[] random(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }

    /** {@code n} floats from {-1, 0, 0.5, 1}: windows with tied maxima, to check the first-maximum rule. */
    static float[] coarse(SplittableRandom random, int n) {
        float[] levels = {-1f, 0f, 0.5f, 1f};
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = levels[random.nextInt(levels.length)];
        }
        return v;
    }

    /** Every element within {@code tolerance · (1 + |expected|)}; names the first that is not. */
    static void assertClose(String what, float[] expected, float[] actual, double tolerance) {
        if (actual.length < expected.length) {
            fail(what + ": " + actual.length + " values, expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs((double) expected[i] - actual[i]);
            if (!(diff <= tolerance * (1 + Math.abs(expected[i])))) {
                fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i] + " (tolerance "
                        + tolerance + ")");
            }
        }
    }
}
