package dev.graft.conv;

import dev.graft.spi.ConvGeometry;
import dev.graft.spi.Padding;
import dev.graft.spi.ZeroPadding;

import static dev.graft.conv.ConvTestSupport.assertClose;
import static dev.graft.conv.ConvTestSupport.dot;
import static dev.graft.conv.ConvTestSupport.finiteDifferences;
import static dev.graft.conv.ConvTestSupport.random;
import static dev.graft.conv.ConvTestSupport.report;
import static dev.graft.conv.ConvTestSupport.toDouble;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every reference forward against {@link Independent}'s double computation, and every backward
 * against central finite differences of that computation's scalar loss {@code Σ out·upstream}.
 * Cases cover batch 1 and 2, 5×7 images with 3 channels, stride 2, SAME with even kernels,
 * dilation 2, and stride with dilation together (which TF's CPU ops refuse, but the oracle allows).
 */
class FiniteDifferenceTest {

    /** One window geometry plus the filter count (conv) / multiplier (depthwise). */
    record Case(int batch, int kh, int kw, int sh, int sw, int d, Padding padding, int filters) {

        ConvGeometry geometry() {
            return new ConvGeometry(5, 7, 3, kh, kw, sh, sw, d, d, padding);
        }

        Independent independent() {
            return new Independent(batch, 5, 7, 3, kh, kw, sh, sw, d, d, padding == Padding.SAME);
        }

        @Override
        public String toString() {
            return "batch " + batch + " 5x7x3 k" + kh + "x" + kw + " s" + sh + "x" + sw + " d" + d + " "
                    + padding.name().toLowerCase() + " n" + filters;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case(1, 3, 3, 1, 1, 1, Padding.VALID, 4),
                new Case(2, 2, 2, 2, 2, 1, Padding.SAME, 2),
                new Case(2, 3, 2, 1, 1, 2, Padding.SAME, 2),
                new Case(1, 4, 4, 2, 1, 1, Padding.SAME, 3),
                new Case(2, 2, 3, 2, 2, 2, Padding.VALID, 1),
                new Case(2, 3, 3, 2, 2, 2, Padding.SAME, 2));
    }

    private static final double TOL = 1e-5;

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void conv2d(Case c) {
        SplittableRandom rnd = new SplittableRandom(c.toString().hashCode());
        ConvGeometry g = c.geometry();
        Independent ind = c.independent();
        int f = c.filters();
        float[] x = random(rnd, c.batch() * g.inputSize());
        float[] k = random(rnd, g.windowSize() * 3 * f);
        float[] b = random(rnd, f);
        float[] up = random(rnd, c.batch() * g.outPixels() * f);
        String name = "conv2d " + c;
        check(name + " forward", ind.conv(toDouble(x), toDouble(k), f, toDouble(b)),
                ReferenceConvKernels.conv2d(g, c.batch(), x, k, f, b));
        check(name + " dx", finiteDifferences(x, 0.5, xx -> dot(ind.conv(xx, toDouble(k), f, toDouble(b)), up)),
                ReferenceConvKernels.conv2dBackwardInput(g, c.batch(), up, k, f));
        check(name + " dkernel", finiteDifferences(k, 0.5, kk -> dot(ind.conv(toDouble(x), kk, f, toDouble(b)), up)),
                ReferenceConvKernels.conv2dBackwardKernel(g, c.batch(), x, up, f));
        check(name + " dbias", finiteDifferences(b, 0.5, bb -> dot(ind.conv(toDouble(x), toDouble(k), f, bb), up)),
                ReferenceConvKernels.biasGradient(up, c.batch() * g.outPixels(), f));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void depthwise(Case c) {
        SplittableRandom rnd = new SplittableRandom(c.toString().hashCode() + 1);
        ConvGeometry g = c.geometry();
        Independent ind = c.independent();
        int m = c.filters();
        float[] x = random(rnd, c.batch() * g.inputSize());
        float[] k = random(rnd, g.windowSize() * 3 * m);
        float[] b = random(rnd, 3 * m);
        float[] up = random(rnd, c.batch() * g.outPixels() * 3 * m);
        String name = "depthwise " + c;
        check(name + " forward", ind.depthwise(toDouble(x), toDouble(k), m, toDouble(b)),
                ReferenceConvKernels.depthwiseConv2d(g, c.batch(), x, k, m, b));
        check(name + " dx", finiteDifferences(x, 0.5, xx -> dot(ind.depthwise(xx, toDouble(k), m, toDouble(b)), up)),
                ReferenceConvKernels.depthwiseBackwardInput(g, c.batch(), up, k, m));
        check(name + " dkernel", finiteDifferences(k, 0.5, kk -> dot(ind.depthwise(toDouble(x), kk, m, toDouble(b)), up)),
                ReferenceConvKernels.depthwiseBackwardKernel(g, c.batch(), x, up, m));
        check(name + " dbias", finiteDifferences(b, 0.5, bb -> dot(ind.depthwise(toDouble(x), toDouble(k), m, bb), up)),
                ReferenceConvKernels.biasGradient(up, c.batch() * g.outPixels(), 3 * m));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void pooling(Case c) {
        SplittableRandom rnd = new SplittableRandom(c.toString().hashCode() + 2);
        ConvGeometry g = c.geometry();
        Independent ind = c.independent();
        float[] x = random(rnd, c.batch() * g.inputSize());
        float[] up = random(rnd, c.batch() * g.outPixels() * 3);
        String name = "pool " + c;
        check("max" + name + " forward", ind.pool(toDouble(x), true), ReferencePoolingKernels.maxPool(g, c.batch(), x));
        // max is piecewise linear: a step far below the gap between distinct random values is exact
        check("max" + name + " dx", finiteDifferences(x, 1e-6, xx -> dot(ind.pool(xx, true), up)),
                ReferencePoolingKernels.maxPoolBackward(g, c.batch(), x, up));
        check("avg" + name + " forward", ind.pool(toDouble(x), false), ReferencePoolingKernels.avgPool(g, c.batch(), x));
        check("avg" + name + " dx", finiteDifferences(x, 0.5, xx -> dot(ind.pool(xx, false), up)),
                ReferencePoolingKernels.avgPoolBackward(g, c.batch(), up));
    }

    @ParameterizedTest(name = "batch {0}")
    @MethodSource("batches")
    void globalAverageAndZeroPadding(int batch) {
        SplittableRandom rnd = new SplittableRandom(batch);
        float[] x = random(rnd, batch * 5 * 7 * 3);
        float[] up = random(rnd, batch * 3);
        check("global average dx batch " + batch,
                finiteDifferences(x, 0.5, xx -> dot(globalAverage(batch, xx), up)),
                ReferencePoolingKernels.globalAvgPoolBackward(batch, 5, 7, 3, up));
        ZeroPadding pad = new ZeroPadding(2, 1, 0, 3);
        float[] padUp = random(rnd, batch * 8 * 10 * 3);
        check("zero padding dx batch " + batch,
                finiteDifferences(x, 0.5, xx -> dot(zeroPadded(pad, batch, xx), padUp)),
                ReferencePoolingKernels.zeroPadBackward(pad, batch, 5, 7, 3, padUp));
        check("zero padding forward batch " + batch, zeroPadded(pad, batch, toDouble(x)),
                ReferencePoolingKernels.zeroPad(pad, batch, 5, 7, 3, x));
    }

    static List<Integer> batches() {
        return List.of(1, 2);
    }

    private static double[] globalAverage(int batch, double[] x) {
        double[] out = new double[batch * 3];
        for (int i = 0; i < x.length; i++) {
            out[(i / (35 * 3)) * 3 + i % 3] += x[i] / 35;
        }
        return out;
    }

    private static double[] zeroPadded(ZeroPadding pad, int batch, double[] x) {
        int oh = 5 + pad.top() + pad.bottom();
        int ow = 7 + pad.left() + pad.right();
        double[] out = new double[batch * oh * ow * 3];
        for (int i = 0; i < x.length; i++) {
            int ci = i % 3;
            int col = i / 3 % 7;
            int row = i / 21 % 5;
            int n = i / 105;
            out[((n * oh + row + pad.top()) * ow + col + pad.left()) * 3 + ci] = x[i];
        }
        return out;
    }

    private static void check(String what, double[] expected, float[] actual) {
        report("vs finite differences: " + what, assertClose(expected, actual, TOL, what));
    }
}
