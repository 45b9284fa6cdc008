package dev.graft.conformance;

import static dev.graft.conformance.Conformance.assertClose;
import static dev.graft.conformance.Conformance.random;
import static dev.graft.conformance.DeviceArrays.keep;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.ActivationLayer;
import dev.graft.BatchNorm;
import dev.graft.Dense;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.Parameter;
import dev.graft.Shape;
import dev.graft.Transfer;
import dev.graft.cache.MemoryCache;
import dev.graft.data.Dataset;
import dev.graft.exec.KernelFamilies;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.NormalizationKernels;
import dev.graft.train.Loss;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingConfig;
import dev.graft.train.TrainingListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link BatchNorm} on a backend: its {@link NormalizationKernels} (native and the default
 * composition) against the reference on odd sizes; gradients in training and in inference mode
 * against finite differences of an independent double computation ({@link BatchNormMath}); the
 * freeze contract (a frozen BatchNorm runs in inference mode and its state stays bit-identical);
 * a trainable one's moving statistics against a hand computation; cached vs uncached training.
 */
public abstract class NormalizationConformance extends ConvConformance {

    /** {rows, channels}: one row, a 5×7 image of 3 channels, odd widths, a single channel. */
    private static final int[][] SIZES = {{1, 3}, {35, 3}, {70, 5}, {7, 1}, {129, 16}};

    @Test
    void normalizationKernelsNativeAndComposedMatchTheReference() {
        NormalizationKernels oracle = reference.capability(NormalizationKernels.class).orElseThrow();
        List<DeviceBuffer> owned = new ArrayList<>();
        try {
            NormalizationKernels composed = KernelFamilies.composed(backend, NormalizationKernels.class,
                    n -> keep(owned, backend.allocate(n)));
            List<NormalizationKernels> candidates = new ArrayList<>(List.of(composed));
            backend.capability(NormalizationKernels.class).ifPresent(candidates::add);
            for (NormalizationKernels kernels : candidates) {
                String which = kernels == composed ? "composed" : "native";
                for (int[] s : SIZES) {
                    for (boolean affine : new boolean[] {true, false}) {
                        check(which + " " + s[0] + "x" + s[1] + (affine ? "" : " without γ/β"), oracle, kernels,
                                s[0], s[1], affine);
                    }
                }
            }
        } finally {
            owned.forEach(DeviceBuffer::close);
        }
    }

    private void check(String what, NormalizationKernels oracle, NormalizationKernels kernels, int rows, int channels,
                       boolean affine) {
        SplittableRandom r = new SplittableRandom(rows * 131L + channels + (affine ? 7 : 0));
        float[] x = random(r, rows * channels, 3);
        for (int i = 0; i < x.length; i++) {
            x[i] += 1.5f; // a mean away from zero
        }
        float[] dy = random(r, rows * channels, 1);
        float[] gamma = affine ? random(r, channels, 2) : null;
        float[] beta = affine ? random(r, channels, 1) : null;
        float[] mean = random(r, channels, 1);
        float[] variance = random(r, channels, 1);
        for (int c = 0; c < channels; c++) {
            variance[c] = Math.abs(variance[c]) + 0.1f;
        }
        float eps = 1e-3f;
        int n = rows * channels;
        // inference
        float[][] e = DeviceArrays.run(reference, b -> oracle.batchNormInference(rows, channels, b[0], b[2], b[3], b[4], b[5], eps,
                b[1]), x, new float[n], gamma, beta, mean, variance);
        float[][] a = DeviceArrays.run(backend, b -> kernels.batchNormInference(rows, channels, b[0], b[2], b[3], b[4], b[5], eps,
                b[1]), x, new float[n], gamma, beta, mean, variance);
        assertClose(what + " inference", e[1], a[1], 1e-5, 1e-5);
        // training forward: output and batch statistics
        e = DeviceArrays.run(reference, b -> oracle.batchNormTraining(rows, channels, b[0], b[2], b[3], eps, b[1], b[4], b[5]),
                x, new float[n], gamma, beta, new float[channels], new float[channels]);
        a = DeviceArrays.run(backend, b -> kernels.batchNormTraining(rows, channels, b[0], b[2], b[3], eps, b[1], b[4], b[5]),
                x, new float[n], gamma, beta, new float[channels], new float[channels]);
        assertClose(what + " training output", e[1], a[1], 2e-5, 1e-4);
        assertClose(what + " batch mean", e[4], a[4], 1e-5, 1e-5);
        assertClose(what + " batch variance", e[5], a[5], 1e-5, 1e-5);
        float[] batchMean = e[4];
        float[] batchVariance = e[5];
        // backward, both modes
        for (boolean training : new boolean[] {true, false}) {
            float[] m = training ? batchMean : mean;
            float[] v = training ? batchVariance : variance;
            e = DeviceArrays.run(reference, b -> oracle.batchNormBackward(training, rows, channels, b[0], b[1], b[2], b[3],
                    b[4], eps, b[5], b[6], b[7]), x, dy, gamma, m, v, new float[n], new float[channels], new float[channels]);
            a = DeviceArrays.run(backend, b -> kernels.batchNormBackward(training, rows, channels, b[0], b[1], b[2], b[3],
                    b[4], eps, b[5], b[6], b[7]), x, dy, gamma, m, v, new float[n], new float[channels], new float[channels]);
            String mode = training ? " training" : " inference";
            assertClose(what + mode + " input gradient", e[5], a[5], 2e-5, 1e-4);
            assertClose(what + mode + " gamma gradient", e[6], a[6], 1e-4, 1e-4);
            assertClose(what + mode + " beta gradient", e[7], a[7], 1e-4, 1e-4);
            // only the input gradient wanted (a frozen BatchNorm between trainable layers)
            float[][] only = DeviceArrays.run(backend, b -> kernels.batchNormBackward(training, rows, channels, b[0], b[1],
                    b[2], b[3], b[4], eps, b[5], null, null), x, dy, gamma, m, v, new float[n]);
            assertClose(what + mode + " input gradient alone", e[5], only[5], 2e-5, 1e-4);
        }
        // moving average step
        e = DeviceArrays.run(reference, b -> oracle.updateMoving(channels, b[0], b[1], 0.9f), mean, batchMean);
        a = DeviceArrays.run(backend, b -> kernels.updateMoving(channels, b[0], b[1], 0.9f), mean, batchMean);
        assertClose(what + " moving update", e[0], a[0], 1e-6, 1e-6);
    }

    /** {@code h1 (6 → 5, tanh) → bn → out (5 → 3)}, softmax cross-entropy; BN's statistics away from 0/1. */
    static Model chain(long seed, boolean bnTrainable) {
        Model m = Model.builder(6, seed).dense("h1", 5, Activation.TANH).add(BatchNorm.spec("bn", 0.9, 1e-3))
                .dense("out", 3, Activation.SOFTMAX).build();
        SplittableRandom r = new SplittableRandom(seed);
        float[] gamma = random(r, 5, 1);
        float[] beta = random(r, 5, 0.5);
        float[] mean = random(r, 5, 0.3);
        float[] variance = random(r, 5, 0.2);
        for (int c = 0; c < 5; c++) {
            gamma[c] += 1.2f;
            variance[c] = Math.abs(variance[c]) + 0.05f;
        }
        Layer bn = m.layer("bn").withParameters(Map.of("gamma", gamma, "beta", beta, "moving_mean", mean,
                "moving_variance", variance)).withTrainable(bnTrainable);
        return m.with(1, bn);
    }

    /**
     * One SGD step with learning rate 1 moves every trainable parameter by minus its gradient; that
     * must equal a central finite difference of {@link BatchNormMath}'s loss — with batch statistics
     * for a trainable BatchNorm, with its moving statistics (constants) for a frozen one.
     */
    @ParameterizedTest(name = "gradients with a {0} BatchNorm")
    @ValueSource(strings = {"trainable", "frozen"})
    void gradientsMatchFiniteDifferences(String mode) {
        boolean trainable = mode.equals("trainable");
        int rows = 6;
        Model model = chain(41, trainable);
        SplittableRandom r = new SplittableRandom(9);
        float[] x = random(r, rows * 6, 1.5);
        float[] labels = {0, 2, 1, 1, 0, 2};
        Model after = GradientCheck.afterOneStep(backend, model, x, labels, rows);
        for (int li = 0; li < model.size(); li++) {
            Layer before = model.layer(li);
            for (Parameter p : before.parameters()) {
                if (!p.role().trainable() || !before.trainable()) {
                    continue;
                }
                GradientCheck.Gradient g = GradientCheck.of(model, after, li, p.name(), 1e-3,
                        m -> BatchNormMath.chainLoss(m, x, labels, rows, trainable));
                assertClose(mode + " BN: " + before.name() + "." + p.name() + " gradient", g.fromDifferences(), g.fromStep(),
                        5e-5, 3e-3);
            }
        }
        if (!trainable) {
            assertTrue(model.layer("bn").sameParameters(after.layer("bn")), "a frozen BatchNorm is untouched by a step");
        } else {
            // one step of the moving averages from their start, with the batch statistics of h1's output
            double[][] stats = BatchNormMath.moments(BatchNormMath.dense((Dense) model.layer("h1"), x, rows), rows, 5);
            BatchNorm bn = (BatchNorm) model.layer("bn");
            float[] expectedMean = BatchNormMath.movingStep(bn.parameterValues("moving_mean"), stats[0], 0.9);
            float[] expectedVariance = BatchNormMath.movingStep(bn.parameterValues("moving_variance"), stats[1], 0.9);
            assertClose("moving mean after a step", expectedMean, after.layer("bn").parameterValues("moving_mean"), 1e-6, 1e-5);
            assertClose("moving variance after a step", expectedVariance,
                    after.layer("bn").parameterValues("moving_variance"), 1e-6, 1e-5);
        }
    }

    @Test
    void predictionsUseTheMovingStatistics() {
        for (boolean trainable : new boolean[] {true, false}) {
            Model model = chain(17, trainable);
            int rows = 9;
            float[] x = random(new SplittableRandom(3), rows * 6, 1.5);
            float[] out = new float[rows * 3];
            try (Network net = Networks.open(backend, NetworkPlan.inference(model, rows))) {
                net.predict(x, 0, rows, out, 0);
            }
            double[][] probs = BatchNormMath.chainOutputs(model, x, rows, false);
            float[] expected = new float[rows * 3];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < 3; j++) {
                    expected[i * 3 + j] = (float) probs[i][j];
                }
            }
            assertClose("predictions, BN trainable=" + trainable, expected, out, 1e-6, 1e-5);
        }
    }

    /**
     * The freeze contract: a frozen BatchNorm (alone, with trainable layers below and above it, and
     * as part of a frozen prefix) keeps its state bit for bit through training, and the caller's
     * model is unchanged.
     */
    @Test
    void frozenBatchNormStateIsBitIdenticalAfterTraining() {
        Model model = chain(23, false);
        Dataset data = toyData(48, 5);
        Model trained = toyTrainer(backend).build().fit(model, data).model();
        assertTrue(model.layer("bn").sameParameters(trained.layer("bn")), "frozen BatchNorm after training");
        assertFalse(model.layer("h1").sameParameters(trained.layer("h1")), "the layer below it trained");
        assertFalse(model.layer("out").sameParameters(trained.layer("out")), "the layer above it trained");
        assertTrue(model.layer("bn").sameParameters(chain(23, false).layer("bn")), "the caller's model is unchanged");
        // and it trains as the reference does (inference-mode BN in the training graph)
        LayerConformance.assertParametersClose(toyTrainer(reference).build().fit(model, data).model(), trained);
    }

    @Test
    void trainableBatchNormTrainsLikeTheReference() {
        Model model = chain(29, true);
        Dataset data = toyData(48, 6);
        Model expected = toyTrainer(reference).build().fit(model, data).model();
        Model actual = toyTrainer(backend).build().fit(model, data).model();
        LayerConformance.assertParametersClose(expected, actual);
        for (String p : List.of("gamma", "beta", "moving_mean", "moving_variance")) {
            assertFalse(java.util.Arrays.equals(model.layer("bn").parameterValues(p), actual.layer("bn").parameterValues(p)),
                    "trainable BatchNorm's " + p + " changed");
        }
    }

    /** A CNN with a trainable BatchNorm after its convolution trains like the reference, step for step. */
    @Test
    void trainableBatchNormInACnnTrainsLikeTheReference() {
        Model model = Model.builder(Shape.of(6, 6, 2), 12)
                // no bias before a BatchNorm (its gradient is zero but for rounding, which Adam would amplify)
                .add(dev.graft.Conv2D.spec("conv", 3, 3, Activation.IDENTITY).withoutBias())
                .add(BatchNorm.spec("bn", 0.8, 1e-3))
                .activation("relu", Activation.TANH)
                .maxPool("pool", 2)
                .flatten("flat")
                .dense("out", 3, Activation.SOFTMAX)
                .build();
        SplittableRandom r = new SplittableRandom(12);
        int n = 32;
        float[] x = random(r, n * 72, 1);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = (x[i * 72] + x[i * 72 + 9] > 0 ? 1 : 0) + (x[i * 72 + 40] > 0.5f ? 1 : 0);
        }
        Dataset data = Dataset.classification(x, 72, y, 3);
        for (Optimizer optimizer : List.of(Optimizer.sgd(0.1f), Optimizer.adam(0.01f))) {
            Model expected = Trainer.builder(reference).optimizer(optimizer).epochs(2).batchSize(8).seed(3).build()
                    .fit(model, data).model();
            Model actual = Trainer.builder(backend).optimizer(optimizer).epochs(2).batchSize(8).seed(3).build()
                    .fit(model, data).model();
            LayerConformance.assertParametersClose(expected, actual);
        }
    }

    /**
     * A trainable BatchNorm on NHWC input ({@code [3, 5, 2]}: per channel over batch·height·width)
     * as the first layer, so its inputs are the data: after N steps its moving statistics equal an
     * independent loop over the same batches.
     */
    @ParameterizedTest(name = "moving statistics on {0}")
    @ValueSource(strings = {"3x5x2", "4"})
    void movingStatisticsMatchAHandComputation(String shapeText) {
        Shape shape = shapeText.equals("4") ? Shape.vector(4) : Shape.of(3, 5, 2);
        int width = shape.size();
        int channels = shape.dim(shape.rank() - 1);
        double momentum = 0.8;
        BatchNorm bn = (BatchNorm) BatchNorm.spec("bn", momentum, 1e-3).create(shape, new SplittableRandom(1));
        Model model = new Model(List.of(bn, new ActivationLayer("act", shape, Activation.TANH, true)));
        int rows = 5;
        int steps = 4;
        SplittableRandom r = new SplittableRandom(shapeText.hashCode());
        float[][] batches = new float[steps][];
        float[][] targets = new float[steps][];
        for (int s = 0; s < steps; s++) {
            batches[s] = random(r, rows * width, 2);
            for (int i = 0; i < batches[s].length; i++) {
                batches[s][i] += 0.5f * ((i % channels) + 1);
            }
            targets[s] = random(r, rows * width, 1);
        }
        TrainingConfig config = new TrainingConfig(Loss.MEAN_SQUARED_ERROR, Optimizer.adam(0.05f), 0f, Map.of(), 1);
        Model after;
        try (Network net = Networks.open(backend, new NetworkPlan(model, config, rows))) {
            for (int s = 0; s < steps; s++) {
                net.trainStep(batches[s], targets[s], rows);
            }
            after = net.snapshot();
        }
        double[] mean = new double[channels];
        double[] variance = new double[channels];
        java.util.Arrays.fill(variance, 1);
        for (int s = 0; s < steps; s++) {
            int n = rows * width / channels;
            for (int c = 0; c < channels; c++) {
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    sum += batches[s][i * channels + c];
                }
                double mu = sum / n;
                double sq = 0;
                for (int i = 0; i < n; i++) {
                    double d = batches[s][i * channels + c] - mu;
                    sq += d * d;
                }
                mean[c] = mean[c] * momentum + mu * (1 - momentum);
                variance[c] = variance[c] * momentum + (sq / n) * (1 - momentum);
            }
        }
        assertClose("moving mean after " + steps + " steps", toFloat(mean), after.layer("bn").parameterValues("moving_mean"),
                1e-5, 1e-5);
        assertClose("moving variance after " + steps + " steps", toFloat(variance),
                after.layer("bn").parameterValues("moving_variance"), 1e-5, 1e-5);
        assertFalse(java.util.Arrays.equals(bn.parameterValues("gamma"), after.layer("bn").parameterValues("gamma")),
                "gamma trained");
    }

    @Test
    void cachedAndUncachedTrainingAreEqualWithAFrozenBatchNorm() {
        Model model = Transfer.from(Model.builder(6, 31).dense("h1", 5, Activation.TANH)
                        .add(BatchNorm.spec("bn")).dense("h2", 4, Activation.RELU).dense("out", 3, Activation.SOFTMAX).build())
                .freezeThrough("bn").build();
        model = model.with(1, chain(31, false).layer("bn"));
        Dataset data = toyData(40, 8);
        List<TrainingListener.FeaturesEvent> events = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override public void onFeatures(FeaturesEvent event) { events.add(event); }
        };
        Model plain = toyTrainer(backend).build().fit(model, data).model();
        Model cached = toyTrainer(backend).cache(new MemoryCache()).listener(listener).build().fit(model, data).model();
        assertEquals(1, events.size(), "the frozen prefix (dense + BatchNorm) was featurized once");
        assertEquals(2, events.get(0).frozenLayers());
        LayerConformance.assertParametersClose(plain, cached);
        for (Model trained : List.of(plain, cached)) {
            assertTrue(model.layer("bn").sameParameters(trained.layer("bn")), "frozen BatchNorm, cached or not");
        }
        assertFalse(model.layer("h2").sameParameters(plain.layer("h2")), "the head trained");
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }
}
