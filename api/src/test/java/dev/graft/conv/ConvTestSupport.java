package dev.graft.conv;

import java.util.SplittableRandom;
import java.util.function.Function;

/** Random data, finite differences and tolerant comparisons for the convolution tests. */
final class ConvTestSupport {

    private ConvTestSupport() {
    }

    static float[] random(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }

    static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    /** {@code Σ out[i]·weights[i]}: a scalar loss whose gradient with respect to {@code out} is {@code weights}. */
    static double dot(double[] out, float[] weights) {
        double s = 0;
        for (int i = 0; i < out.length; i++) {
            s += out[i] * weights[i];
        }
        return s;
    }

    /** Central differences of {@code loss} at {@code x}, step {@code h}, one coordinate at a time. */
    static double[] finiteDifferences(float[] x, double h, Function<double[], Double> loss) {
        double[] at = toDouble(x);
        double[] grad = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double keep = at[i];
            at[i] = keep + h;
            double up = loss.apply(at);
            at[i] = keep - h;
            double down = loss.apply(at);
            at[i] = keep;
            grad[i] = (up - down) / (2 * h);
        }
        return grad;
    }

    /**
     * Asserts {@code |actual − expected| <= tol·(1 + |expected|)} elementwise and returns the largest
     * {@code |actual − expected| / (1 + |expected|)}.
     */
    static double assertClose(double[] expected, float[] actual, double tol, String what) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + ": expected " + expected.length + " values, got " + actual.length);
        }
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i]));
            if (!(err <= tol)) {
                throw new AssertionError(what + "[" + i + "]: expected " + expected[i] + " got " + actual[i]
                        + " (relative error " + err + " > " + tol + ")");
            }
            worst = Math.max(worst, err);
        }
        return worst;
    }

    static double assertClose(float[] expected, float[] actual, double tol, String what) {
        return assertClose(toDouble(expected), actual, tol, what);
    }

    /** Prints a measured error so that the surefire report records it. */
    static void report(String what, double error) {
        System.out.printf("max error %-60s %.3e%n", what, error);
    }
}
