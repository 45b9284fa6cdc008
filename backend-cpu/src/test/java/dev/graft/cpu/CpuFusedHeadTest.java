package dev.graft.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.cache.MemoryCache;
import dev.graft.conformance.Conformance;
import dev.graft.data.Dataset;
import dev.graft.exec.KernelNetwork;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import dev.graft.reference.ReferenceBackend;
import dev.graft.spi.Backend;
import dev.graft.train.Loss;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingConfig;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fused dense head ({@link CpuFusedHead}) trains like the reference backend, with the Vector API
 * and with plain loops, under every optimizer, L2, per-layer learning-rate multipliers and
 * frozen/trainable mixes; the automatic rule and the switch choose as documented; cached epochs give
 * the same bits as uncached ones.
 */
class CpuFusedHeadTest {

    static Stream<Optimizer> optimizers() {
        return Stream.of(Optimizer.sgd(0.1f), Optimizer.momentum(0.05f, 0.9f), Optimizer.nesterov(0.05f, 0.9f),
                Optimizer.adam(0.01f));
    }

    /** 20 → f1 18 relu (frozen) → h1 40 tanh → h2 24 relu → h3 17 leaky → out 4 softmax. */
    private static Model model(boolean frozenBottom) {
        Model m = Model.builder(20, 3).dense("f1", 18, Activation.RELU).dense("h1", 40, Activation.TANH)
                .dense("h2", 24, Activation.RELU).dense("h3", 17, Activation.leakyRelu(0.1f))
                .dense("out", 4, Activation.SOFTMAX).build();
        return frozenBottom ? Transfer.from(m).freeze("f1").build() : m;
    }

    private static Dataset data() {
        SplittableRandom r = new SplittableRandom(8);
        int n = 150;
        float[] x = Conformance.random(r, n * 20, 1);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = (x[i * 20] + x[i * 20 + 1] > 0 ? 1 : 0) + (x[i * 20 + 2] > 0 ? 2 : 0);
        }
        return Dataset.classification(x, 20, y, 4);
    }

    private static Model train(Backend backend, Model model, Optimizer optimizer) {
        return Trainer.builder(backend).optimizer(optimizer).epochs(3).batchSize(37).seed(4).l2(1e-3f)
                .learningRateMultiplier("h2", 0.5f).learningRateMultiplier("h1", 2f).build().fit(model, data()).model();
    }

    private static void assertSameTraining(Model expected, Model actual, String what) {
        for (int i = 0; i < expected.size(); i++) {
            Dense e = (Dense) expected.layer(i);
            Dense a = (Dense) actual.layer(i);
            Conformance.assertClose(what + ": " + e.name() + " weights", e.weights(), a.weights(), 2e-4, 2e-3);
            Conformance.assertClose(what + ": " + e.name() + " bias", e.bias(), a.bias(), 2e-4, 2e-3);
        }
    }

    @ParameterizedTest(name = "fused head trains like the reference with {0}")
    @MethodSource("optimizers")
    void fusedHeadTrainsLikeTheReference(Optimizer optimizer) {
        for (boolean frozenBottom : new boolean[] {true, false}) {
            Model model = model(frozenBottom);
            Model expected;
            try (Backend reference = new ReferenceBackend()) {
                expected = train(reference, model, optimizer);
            }
            for (boolean vector : new boolean[] {true, false}) {
                if (vector && !CpuFusedHeads.vectorApi()) {
                    continue;
                }
                try (Backend cpu = new CpuBackend(1, CpuFusedHeads.Mode.ON, vector)) {
                    Model actual = train(cpu, model, optimizer);
                    assertSameTraining(expected, actual, (vector ? "Vector API" : "plain loops")
                            + (frozenBottom ? ", frozen f1" : ", all trainable"));
                    assertTrue(((Dense) model.layer(0)).sameParameters((Dense) actual.layer(0)) == frozenBottom,
                            "f1 moves exactly when it is trainable");
                }
            }
        }
    }

    /**
     * Widths that reach every tile of {@link CpuTiledKernels} (rows of 1, 4 and 5 vectors; 3-, 2- and
     * 1-row remainders; a batch over one block) and an input gradient below the head (a trainable
     * dense layer under an activation layer), against the reference backend.
     */
    @ParameterizedTest(name = "tiled kernels train like the reference at batch {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {50, 64, 71, 130})
    void tiledKernelsTrainLikeTheReference(int batch) {
        Assumptions.assumeTrue(CpuFusedHeads.vectorApi(), "the JVM runs without jdk.incubator.vector");
        Model model = Model.builder(20, 5).dense("below", 30, Activation.TANH).activation("act", Activation.SIGMOID)
                .dense("wide", 70, Activation.RELU).dense("square", 64, Activation.RELU).dense("mid", 50, Activation.RELU)
                .dense("out", 5, Activation.SOFTMAX).build();
        for (Optimizer optimizer : new Optimizer[] {Optimizer.sgd(0.1f), Optimizer.adam(0.01f)}) {
            Model expected;
            try (Backend reference = new ReferenceBackend()) {
                expected = Trainer.builder(reference).optimizer(optimizer).epochs(2).batchSize(batch).seed(3).l2(1e-3f)
                        .build().fit(model, data(260, 5)).model();
            }
            try (Backend cpu = new CpuBackend(1, CpuFusedHeads.Mode.ON, true)) {
                assertEquals(2, start(cpu, model, new TrainingConfig(Loss.SOFTMAX_CROSS_ENTROPY, optimizer, 0f, Map.of(), 1)),
                        "the head starts above the activation layer, so it passes a gradient down");
                Model actual = Trainer.builder(cpu).optimizer(optimizer).epochs(2).batchSize(batch).seed(3).l2(1e-3f)
                        .build().fit(model, data(260, 5)).model();
                for (int i : new int[] {0, 2, 3, 4, 5}) {
                    Dense e = (Dense) expected.layer(i);
                    Dense a = (Dense) actual.layer(i);
                    Conformance.assertClose(optimizer + ", batch " + batch + ": " + e.name() + " weights", e.weights(), a.weights(), 2e-4, 2e-3);
                    Conformance.assertClose(optimizer + ", batch " + batch + ": " + e.name() + " bias", e.bias(), a.bias(), 2e-4, 2e-3);
                }
            }
        }
    }

    /** {@code n} samples of 20 features, {@code classes} classes from the signs of the first features. */
    private static Dataset data(int n, int classes) {
        SplittableRandom r = new SplittableRandom(9);
        float[] x = Conformance.random(r, n * 20, 1);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = ((x[i * 20] > 0 ? 1 : 0) + (x[i * 20 + 1] > 0 ? 2 : 0) + (x[i * 20 + 2] > 0.5f ? 1 : 0)) % classes;
        }
        return Dataset.classification(x, 20, y, classes);
    }

    @Test
    void theSwitchAndTheRuleChooseThePath() {
        TrainingConfig sgd = new TrainingConfig(Loss.SOFTMAX_CROSS_ENTROPY, Optimizer.sgd(0.1f), 0f, Map.of(), 1);
        Model frozen = model(true);
        Model all = model(false);
        Model mse = model(true);
        TrainingConfig squared = new TrainingConfig(Loss.MEAN_SQUARED_ERROR, Optimizer.sgd(0.1f), 0f, Map.of(), 1);
        try (Backend on = new CpuBackend(1, CpuFusedHeads.Mode.ON, false);
             Backend off = new CpuBackend(1, CpuFusedHeads.Mode.OFF, false);
             Backend auto = new CpuBackend(1, CpuFusedHeads.Mode.AUTO, CpuFusedHeads.vectorApi())) {
            assertEquals(1, start(on, frozen, sgd), "the head is every trainable dense layer above the frozen one");
            assertEquals(0, start(on, all, sgd), "all trainable: the whole model, input gradient not needed");
            assertEquals(frozen.size(), start(off, frozen, sgd), "off: never");
            assertEquals(frozen.size(), start(on, mse, squared), "squared error is not fused");
            Model frozenTop = Transfer.from(all).freeze("out").build();
            assertEquals(all.size(), start(on, frozenTop, sgd), "a frozen top layer ends the chain");
            Model dropoutBelow = Model.builder(20, 3).dense("h1", 16, Activation.RELU).dropout("d", 0.2f)
                    .dense("h2", 12, Activation.RELU).dense("out", 4, Activation.IDENTITY).build();
            assertEquals(2, start(on, dropoutBelow, sgd), "the chain stops at a non-dense layer");
            boolean autoFuses = CpuFusedHeads.AUTO_FUSES_WITHIN_RULE && CpuFusedHeads.vectorApi()
                    && CpuTiledKernels.SPECIES.length() >= CpuFusedHeads.MIN_AUTO_LANES;
            int big = CpuFusedHeads.MIN_AUTO_BATCH;
            assertEquals(autoFuses ? 1 : frozen.size(), start(auto, frozen, sgd, big),
                    "auto: small layers at large batches fuse exactly where the rule is switched on and the Vector API has 512-bit vectors");
            assertEquals(frozen.size(), start(auto, frozen, sgd, big / 2), "auto: not for small batches");
            Model wide = Model.builder(200, 3).dense("h", 100, Activation.RELU).dense("out", 4, Activation.SOFTMAX).build();
            assertEquals(wide.size(), start(auto, wide, sgd, big), "auto: a 200x100 kernel is past the size rule");
            assertEquals(0, start(on, wide, sgd), "on: any size");
            assertEquals(dropoutBelow.size(), start(auto, dropoutBelow, sgd, big), "auto: not when an input gradient is needed");
        }
        try (Backend reference = new ReferenceBackend()) {
            assertEquals(frozen.size(), start(reference, frozen, sgd), "the reference backend never fuses");
        }
    }

    private static int start(Backend backend, Model model, TrainingConfig config) {
        return start(backend, model, config, 16);
    }

    private static int start(Backend backend, Model model, TrainingConfig config, int maxBatch) {
        try (Network net = Networks.open(backend, new NetworkPlan(model, config, maxBatch))) {
            return ((KernelNetwork) net).fusedHeadStart();
        }
    }

    @Test
    void aBatchWithABadLabelIsRefusedAndChangesNothing() {
        TrainingConfig sgd = new TrainingConfig(Loss.SOFTMAX_CROSS_ENTROPY, Optimizer.momentum(0.1f, 0.9f), 0f, Map.of(), 1);
        Model model = model(true);
        SplittableRandom r = new SplittableRandom(2);
        int rows = 40;
        float[] x = Conformance.random(r, rows * 20, 1);
        float[] labels = new float[rows];
        for (int i = 0; i < rows; i++) {
            labels[i] = r.nextInt(4);
        }
        float[] bad = labels.clone();
        bad[rows - 1] = 7;
        try (Backend cpu = new CpuBackend(1, CpuFusedHeads.Mode.ON, CpuFusedHeads.vectorApi());
             Network refused = Networks.open(cpu, new NetworkPlan(model, sgd, rows));
             Network clean = Networks.open(cpu, new NetworkPlan(model, sgd, rows))) {
            assertEquals(1, ((KernelNetwork) refused).fusedHeadStart());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> refused.trainStep(x, bad, rows));
            assertTrue(e.getMessage().contains("label 7"), e.getMessage());
            refused.trainStep(x, labels, rows);
            clean.trainStep(x, labels, rows);
            Model a = refused.snapshot();
            Model b = clean.snapshot();
            for (int i = 0; i < model.size(); i++) {
                assertArrayEquals(((Dense) b.layer(i)).weights(), ((Dense) a.layer(i)).weights(), "layer " + i);
                assertArrayEquals(((Dense) b.layer(i)).bias(), ((Dense) a.layer(i)).bias(), "layer " + i);
            }
        }
    }

    @Test
    void cachedEpochsAreBitIdenticalToUncachedOnes() {
        Model model = model(true);
        try (Backend cpu = new CpuBackend(1, CpuFusedHeads.Mode.ON, CpuFusedHeads.vectorApi())) {
            Trainer.Builder b = Trainer.builder(cpu).optimizer(Optimizer.momentum(0.05f, 0.9f)).epochs(3).batchSize(37).seed(6);
            Model plain = b.build().fit(model, data()).model();
            Model cached = b.cache(new MemoryCache()).build().fit(model, data()).model();
            for (int i = 0; i < model.size(); i++) {
                Dense p = (Dense) plain.layer(i);
                Dense c = (Dense) cached.layer(i);
                assertArrayEquals(p.weights(), c.weights(), p.name() + " weights");
                assertArrayEquals(p.bias(), c.bias(), p.name() + " bias");
            }
            assertFalse(((Dense) model.layer(4)).sameParameters((Dense) plain.layer(4)), "the head trained");
        }
    }
}
