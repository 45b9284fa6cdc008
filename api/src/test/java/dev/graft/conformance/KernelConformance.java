package dev.graft.conformance;

import static dev.graft.conformance.Conformance.assertClose;
import static dev.graft.conformance.Conformance.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.graft.Activation;
import dev.graft.reference.ReferenceBackend;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.spi.BackendProvider;
import dev.graft.spi.DeviceBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every SPI kernel of a backend against the {@link ReferenceBackend} on random inputs: odd sizes,
 * batch 1, widths that are not multiples of 8, all transposes, alpha/beta. Backends run it (with
 * the rest of the suite) by extending {@link BackendConformance}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class KernelConformance {

    /** GEMM tolerance: float accumulation against double, scaled by the inner dimension. */
    protected static final double GEMM_REL = 1e-5;
    protected static final double ELEMENTWISE_ABS = 2e-6;
    protected static final double ELEMENTWISE_REL = 2e-6;

    protected Backend backend;
    protected Backend reference;

    /** The provider under test. */
    protected abstract BackendProvider provider();

    /** Options the backend is opened with (override to pin threads or properties). */
    protected BackendOptions options() {
        return BackendOptions.defaults();
    }

    private String skipReason;

    @BeforeAll
    void openBackends() {
        skipReason = Conformance.skipReason(provider());
        if (skipReason == null) {
            backend = provider().open(options());
        }
        reference = new ReferenceBackend();
    }

    /** Skips every test, each with the probe's reason, when the backend is absent (so reports show them). */
    @BeforeEach
    void skipIfAbsent() {
        Assumptions.assumeTrue(skipReason == null, () -> skipReason);
    }

    @AfterAll
    void closeBackends() {
        if (backend != null) {
            backend.close();
        }
        if (reference != null) {
            reference.close();
        }
    }

    /** A buffer on each backend holding the same values; closed with the pair. */
    protected final class Pair implements AutoCloseable {
        final DeviceBuffer test;
        final DeviceBuffer ref;

        Pair(float[] values) {
            test = backend.allocate(values.length);
            ref = reference.allocate(values.length);
            backend.upload(values, 0, test, 0, values.length);
            reference.upload(values, 0, ref, 0, values.length);
        }

        float[] testValues() {
            float[] v = new float[(int) test.length()];
            backend.download(test, 0, v, 0, v.length);
            return v;
        }

        float[] refValues() {
            float[] v = new float[(int) ref.length()];
            reference.download(ref, 0, v, 0, v.length);
            return v;
        }

        void assertMatches(String what, double abs, double rel) {
            assertClose(what, refValues(), testValues(), abs, rel);
        }

        @Override
        public void close() {
            test.close();
            ref.close();
        }
    }

    static Stream<Arguments> gemmCases() {
        List<Arguments> cases = new ArrayList<>();
        int[][] shapes = {{1, 1, 1}, {1, 7, 5}, {13, 9, 17}, {64, 50, 100}, {3, 300, 5}, {31, 33, 129}};
        float[][] scalars = {{1f, 0f}, {0.5f, 2f}, {-1.5f, 1f}};
        for (int[] s : shapes) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    for (float[] ab : scalars) {
                        cases.add(Arguments.of(ta, tb, s[0], s[1], s[2], ab[0], ab[1]));
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "gemm transA={0} transB={1} m={2} n={3} k={4} alpha={5} beta={6}")
    @MethodSource("gemmCases")
    void gemmMatchesReference(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta) {
        SplittableRandom r = new SplittableRandom(m * 31L + n * 7L + k);
        try (Pair a = new Pair(random(r, m * k, 1));
             Pair b = new Pair(random(r, k * n, 1));
             Pair c = new Pair(random(r, m * n, 1))) {
            backend.gemm(ta, tb, m, n, k, alpha, a.test, b.test, beta, c.test);
            reference.gemm(ta, tb, m, n, k, alpha, a.ref, b.ref, beta, c.ref);
            c.assertMatches("gemm", 1e-5 * Math.sqrt(k) * Math.max(1, Math.abs(alpha)), GEMM_REL * Math.sqrt(k));
        }
    }

    @Test
    void gemmWithBetaZeroIgnoresNaNInOutput() {
        SplittableRandom r = new SplittableRandom(3);
        float[] garbage = new float[12];
        java.util.Arrays.fill(garbage, Float.NaN);
        try (Pair a = new Pair(random(r, 3 * 5, 1)); Pair b = new Pair(random(r, 5 * 4, 1)); Pair c = new Pair(garbage)) {
            backend.gemm(false, false, 3, 4, 5, 1f, a.test, b.test, 0f, c.test);
            reference.gemm(false, false, 3, 4, 5, 1f, a.ref, b.ref, 0f, c.ref);
            c.assertMatches("gemm beta=0 over NaN", 1e-5, 1e-5);
        }
    }

    static Stream<Activation> activations() {
        return Stream.of(Activation.IDENTITY, Activation.RELU, Activation.leakyRelu(0.2f), Activation.ELU,
                Activation.elu(0.5f), Activation.TANH, Activation.SIGMOID, Activation.SOFTMAX, Activation.RELU6,
                Activation.SWISH, Activation.HARD_SWISH, Activation.HARD_SIGMOID, Activation.SELU);
    }

    @ParameterizedTest(name = "biasActivation {0}")
    @MethodSource("activations")
    void biasActivationMatchesReference(Activation act) {
        SplittableRandom r = new SplittableRandom(act.toString().hashCode());
        for (int[] shape : new int[][] {{1, 5}, {7, 13}, {64, 50}}) {
            int rows = shape[0];
            int cols = shape[1];
            try (Pair x = new Pair(random(r, rows * cols, 4)); Pair bias = new Pair(random(r, cols, 1));
                 Pair x2 = new Pair(random(r, rows * cols, 4))) {
                backend.biasActivation(x.test, bias.test, rows, cols, act);
                reference.biasActivation(x.ref, bias.ref, rows, cols, act);
                x.assertMatches(act + " with bias " + rows + "x" + cols, 1e-6, 1e-5);
                backend.biasActivation(x2.test, null, rows, cols, act);
                reference.biasActivation(x2.ref, null, rows, cols, act);
                x2.assertMatches(act + " without bias " + rows + "x" + cols, 1e-6, 1e-5);
            }
        }
    }

    @Test
    void softmaxIsStableForHugeLogits() {
        float[] logits = {1000f, 999f, -1000f, 88f, 89f, 90f};
        try (Pair x = new Pair(logits)) {
            backend.biasActivation(x.test, null, 2, 3, Activation.SOFTMAX);
            reference.biasActivation(x.ref, null, 2, 3, Activation.SOFTMAX);
            x.assertMatches("softmax of huge logits", 1e-6, 1e-5);
        }
    }

    @ParameterizedTest(name = "activationBackward {0}")
    @MethodSource("activations")
    void activationBackwardMatchesReference(Activation act) {
        SplittableRandom r = new SplittableRandom(act.toString().hashCode() + 1);
        int rows = 9;
        int cols = 11;
        float[] z = random(r, rows * cols, 3);
        try (Pair y = new Pair(z); Pair g = new Pair(random(r, rows * cols, 1))) {
            // Backward takes the activation's output, so produce a valid one first (on the reference);
            // swish and hard swish take the input, which z already is.
            if (act.derivativeFromOutput()) {
                reference.biasActivation(y.ref, null, rows, cols, act);
            }
            float[] out = y.refValues();
            backend.upload(out, 0, y.test, 0, out.length);
            backend.activationBackward(y.test, g.test, rows, cols, act);
            reference.activationBackward(y.ref, g.ref, rows, cols, act);
            g.assertMatches(act + " backward", ELEMENTWISE_ABS, 1e-5);
        }
    }

    /** The derivative and the column sums of its result in one call (the bias gradient, or a folded SGD bias update). */
    @ParameterizedTest(name = "activationBackwardAndColumnSums {0}")
    @MethodSource("activations")
    void activationBackwardAndColumnSumsMatchesReference(Activation act) {
        SplittableRandom r = new SplittableRandom(act.toString().hashCode() + 2);
        for (int[] s : new int[][] {{9, 11}, {257, 7}}) {
            int rows = s[0];
            int cols = s[1];
            try (Pair y = new Pair(random(r, rows * cols, 3)); Pair g = new Pair(random(r, rows * cols, 1));
                 Pair sums = new Pair(random(r, cols, 1))) {
                if (act.derivativeFromOutput()) {
                    reference.biasActivation(y.ref, null, rows, cols, act);
                }
                float[] out = y.refValues();
                backend.upload(out, 0, y.test, 0, out.length);
                backend.activationBackwardAndColumnSums(y.test, g.test, rows, cols, act, -0.25f, sums.test, 1f);
                reference.activationBackwardAndColumnSums(y.ref, g.ref, rows, cols, act, -0.25f, sums.ref, 1f);
                g.assertMatches(act + " backward " + rows + "x" + cols, ELEMENTWISE_ABS, 1e-5);
                sums.assertMatches(act + " column sums of the backward " + rows + "x" + cols, 1e-4, 1e-5);
                backend.activationBackwardAndColumnSums(y.test, g.test, rows, cols, act, 1f, null, 0f);
                reference.activationBackward(y.ref, g.ref, rows, cols, act);
                g.assertMatches(act + " backward again, without sums", ELEMENTWISE_ABS, 1e-5);
            }
        }
    }

    @Test
    void columnSumsMatchReference() {
        SplittableRandom r = new SplittableRandom(11);
        for (int[] s : new int[][] {{1, 3}, {64, 50}, {257, 7}}) {
            try (Pair x = new Pair(random(r, s[0] * s[1], 1)); Pair out = new Pair(random(r, s[1], 1));
                 Pair out2 = new Pair(random(r, s[1], 1))) {
                backend.columnSums(x.test, s[0], s[1], 1f, out.test, 0f);
                reference.columnSums(x.ref, s[0], s[1], 1f, out.ref, 0f);
                out.assertMatches("column sums", 1e-5, 1e-5);
                backend.columnSums(x.test, s[0], s[1], 0.5f, out2.test, -2f);
                reference.columnSums(x.ref, s[0], s[1], 0.5f, out2.ref, -2f);
                out2.assertMatches("column sums alpha/beta", 1e-5, 1e-5);
            }
        }
    }

    @Test
    void softmaxCrossEntropyMatchesReference() {
        SplittableRandom r = new SplittableRandom(5);
        for (int[] s : new int[][] {{1, 2}, {64, 5}, {33, 10}}) {
            int rows = s[0];
            int cols = s[1];
            float[] labels = new float[rows];
            for (int i = 0; i < rows; i++) {
                labels[i] = r.nextInt(cols);
            }
            float[] logits = random(r, rows * cols, 8);
            logits[0] = 500f;
            try (Pair z = new Pair(logits); Pair y = new Pair(labels); Pair g = new Pair(new float[rows * cols]);
                 Pair z2 = new Pair(logits)) {
                double lt = backend.softmaxCrossEntropy(z.test, y.test, rows, cols, 1f / rows, g.test);
                double lr = reference.softmaxCrossEntropy(z.ref, y.ref, rows, cols, 1f / rows, g.ref);
                assertClose("cross-entropy loss sum", lr, lt, 1e-4, 1e-5);
                g.assertMatches("cross-entropy gradient", 1e-7, 1e-5);
                z.assertMatches("logits untouched when grad is another buffer", 0, 0);
                double inPlace = backend.softmaxCrossEntropy(z2.test, y.test, rows, cols, 1f / rows, z2.test);
                assertClose("in-place loss", lr, inPlace, 1e-4, 1e-5);
                assertClose("in-place gradient", g.refValues(), z2.testValues(), 1e-7, 1e-5);
                double noGrad = backend.softmaxCrossEntropy(z.test, y.test, rows, cols, 1f, null);
                assertClose("loss without gradient", lr, noGrad, 1e-4, 1e-5);
            }
        }
    }

    @Test
    void meanSquaredErrorMatchesReference() {
        SplittableRandom r = new SplittableRandom(6);
        int rows = 17;
        int cols = 3;
        try (Pair p = new Pair(random(r, rows * cols, 2)); Pair t = new Pair(random(r, rows * cols, 2));
             Pair g = new Pair(new float[rows * cols])) {
            double lt = backend.meanSquaredError(p.test, t.test, rows, cols, 1f / rows, g.test);
            double lr = reference.meanSquaredError(p.ref, t.ref, rows, cols, 1f / rows, g.ref);
            assertClose("squared error sum", lr, lt, 1e-5, 1e-5);
            g.assertMatches("squared error gradient", 1e-7, 1e-5);
        }
    }

    @Test
    void dropoutMaskIsBitIdenticalToReference() {
        SplittableRandom r = new SplittableRandom(8);
        int n = 1000;
        try (Pair x = new Pair(random(r, n, 1)); Pair mask = new Pair(new float[n]); Pair g = new Pair(random(r, n, 1))) {
            backend.dropout(x.test, mask.test, n, 0.3f, 12345L);
            reference.dropout(x.ref, mask.ref, n, 0.3f, 12345L);
            assertArrayEquals(mask.refValues(), mask.testValues(), "dropout mask");
            x.assertMatches("dropout output", 0, 1e-6);
            backend.multiply(g.test, mask.test, n);
            reference.multiply(g.ref, mask.ref, n);
            g.assertMatches("dropout backward", 0, 1e-6);
        }
    }

    static Stream<Arguments> sgdCases() {
        return Stream.of(Arguments.of(0f, false, 0f), Arguments.of(0f, false, 0.01f), Arguments.of(0.9f, false, 0f),
                Arguments.of(0.9f, true, 0.001f));
    }

    @ParameterizedTest(name = "sgd momentum={0} nesterov={1} l2={2}")
    @MethodSource("sgdCases")
    void sgdUpdateMatchesReference(float momentum, boolean nesterov, float l2) {
        SplittableRandom r = new SplittableRandom(9);
        int n = 301;
        try (Pair p = new Pair(random(r, n, 1)); Pair g = new Pair(random(r, n, 1)); Pair v = new Pair(random(r, n, 0.1))) {
            for (int step = 0; step < 3; step++) {
                backend.sgdUpdate(p.test, g.test, momentum == 0 ? null : v.test, n, 0.05f, momentum, nesterov, l2);
                reference.sgdUpdate(p.ref, g.ref, momentum == 0 ? null : v.ref, n, 0.05f, momentum, nesterov, l2);
            }
            p.assertMatches("parameters after SGD", 1e-6, 1e-5);
            if (momentum != 0) {
                v.assertMatches("velocity after SGD", 1e-6, 1e-5);
            }
        }
    }

    @Test
    void adamUpdateMatchesReference() {
        SplittableRandom r = new SplittableRandom(10);
        int n = 257;
        try (Pair p = new Pair(random(r, n, 1)); Pair g = new Pair(random(r, n, 1));
             Pair m = new Pair(new float[n]); Pair v = new Pair(new float[n])) {
            for (int step = 1; step <= 4; step++) {
                backend.adamUpdate(p.test, g.test, m.test, v.test, n, 0.01f, 0.9f, 0.999f, 1e-7f, step, 0.001f);
                reference.adamUpdate(p.ref, g.ref, m.ref, v.ref, n, 0.01f, 0.9f, 0.999f, 1e-7f, step, 0.001f);
            }
            p.assertMatches("parameters after Adam", 1e-6, 1e-5);
            m.assertMatches("first moment", 1e-7, 1e-5);
            v.assertMatches("second moment", 1e-8, 1e-5);
        }
    }

    @Test
    void copiesHonourOffsets() {
        float[] values = random(new SplittableRandom(12), 40, 1);
        try (DeviceBuffer a = backend.allocate(50); DeviceBuffer b = backend.allocate(50)) {
            float[] zeros = new float[50];
            backend.download(a, 0, zeros, 0, 50);
            assertArrayEquals(new float[50], zeros, "allocate must zero-fill");
            backend.upload(values, 5, a, 10, 30);
            backend.copy(a, 10, b, 2, 30);
            backend.upload(FloatBuffer.wrap(values, 0, 4), b, 40);
            float[] out = new float[50];
            backend.download(b, 0, out, 0, 50);
            float[] expected = new float[50];
            System.arraycopy(values, 5, expected, 2, 30);
            System.arraycopy(values, 0, expected, 40, 4);
            assertArrayEquals(expected, out, "upload/copy/download with offsets");
            float[] partial = new float[7];
            backend.download(b, 3, partial, 2, 5);
            assertArrayEquals(new float[] {0, 0, expected[3], expected[4], expected[5], expected[6], expected[7]}, partial);
        }
    }
}
