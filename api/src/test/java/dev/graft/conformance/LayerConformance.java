package dev.graft.conformance;

import static dev.graft.conformance.Conformance.assertClose;
import static dev.graft.conformance.Conformance.random;
import static dev.graft.conformance.DeviceArrays.keep;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.ActivationLayer;
import dev.graft.Dense;
import dev.graft.Layer;
import dev.graft.LayerDescription;
import dev.graft.Model;
import dev.graft.Parameter;
import dev.graft.Shape;
import dev.graft.Transfer;
import dev.graft.cache.MemoryCache;
import dev.graft.data.Dataset;
import dev.graft.exec.KernelFamilies;
import dev.graft.exec.LayerOp;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import dev.graft.exec.OpContext;
import dev.graft.spi.ChannelKernels;
import dev.graft.spi.DeviceBuffer;
import dev.graft.train.Loss;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingListener;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The layer seam on a backend: a layer type defined only in test code ({@link ScaleLayer}, with a
 * trainable vector and a non-trainable state) passes the gradient check, trains like the reference,
 * caches, and keeps its state frozen when frozen; {@link ActivationLayer} computes what a fused
 * activation does; the optional {@link ChannelKernels} family, native or composed, matches the
 * reference; and a layer that needs kernels a backend lacks is refused by name.
 */
public abstract class LayerConformance extends AugmentationConformance {

    private static Model toyModel(long seed) {
        return Model.builder(6, seed)
                .dense("h1", 5, Activation.TANH)
                .add(ScaleLayer.spec("scale", 0.75f))
                .dropout("drop", 0.2f)
                .dense("out", 3, Activation.SOFTMAX)
                .build();
    }

    @Test
    void toyLayerGradientsMatchFiniteDifferences() {
        int rows = 5;
        Model model = Model.builder(6, 11).dense("h1", 5, Activation.TANH)
                .add(ScaleLayer.spec("scale", 0.75f)).dense("out", 3, Activation.SOFTMAX).build();
        SplittableRandom r = new SplittableRandom(5);
        float[] x = random(r, rows * 6, 1.5);
        float[] labels = {0, 2, 1, 1, 0};
        Model after = GradientCheck.afterOneStep(backend, model, x, labels, rows);
        for (int li = 0; li < model.size(); li++) {
            Layer before = model.layer(li);
            for (Parameter p : before.parameters()) {
                if (!p.role().trainable()) {
                    continue;
                }
                GradientCheck.Gradient g = GradientCheck.of(model, after, li, p.name(), 1e-3,
                        m -> HostMath.meanLoss(m, x, labels, rows, Loss.SOFTMAX_CROSS_ENTROPY));
                assertClose(before.name() + "." + p.name() + " gradient", g.fromDifferences(), g.fromStep(),
                        3e-5, 3e-3);
            }
        }
        // The state follows its own rule: mean = 0.75·0 + 0.25·(batch mean of h1's output).
        double[][] h1 = HostMath.outputs(model.slice(0, 1), x, rows);
        float[] expectedMean = new float[5];
        for (int j = 0; j < 5; j++) {
            double s = 0;
            for (double[] row : h1) {
                s += row[j];
            }
            expectedMean[j] = (float) (0.25 * s / rows);
        }
        assertClose("scale.mean state after one step", expectedMean, after.layer("scale").parameterValues("mean"), 1e-6, 1e-5);
    }

    /** {@code n} samples of 6 features in 3 classes that depend on the signs of the first three. */
    static Dataset toyData(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = random(r, n * 6, 1);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = (x[i * 6] + x[i * 6 + 1] > 0 ? 1 : 0) + (x[i * 6 + 2] > 0.5f ? 1 : 0);
        }
        return Dataset.classification(x, 6, y, 3);
    }

    /** Adam at 0.01, 3 epochs of batches of 8, seed 3: the training of the {@link #toyData} tests. */
    static Trainer.Builder toyTrainer(dev.graft.spi.Backend on) {
        return Trainer.builder(on).optimizer(Optimizer.adam(0.01f)).epochs(3).batchSize(8).seed(3);
    }

    @Test
    void toyLayerTrainsLikeTheReference() {
        Model model = toyModel(21);
        Dataset data = toyData(50, 4);
        Model expected = toyTrainer(reference).build().fit(model, data).model();
        Model actual = toyTrainer(backend).build().fit(model, data).model();
        assertParametersClose(expected, actual);
        assertFalse(model.layer("scale").sameParameters(actual.layer("scale")), "the toy layer trains");
        assertTrue(model.layer("scale").sameParameters(toyModel(21).layer("scale")), "the caller's model is unchanged");
    }

    @Test
    void toyLayerCachesAndStaysFrozen() {
        Model model = Transfer.from(toyModel(8)).freezeThrough("scale").build();
        Dataset data = toyData(40, 9);
        List<TrainingListener.FeaturesEvent> events = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override public void onFeatures(FeaturesEvent event) { events.add(event); }
        };
        Model plain = toyTrainer(backend).build().fit(model, data).model();
        Model cached = toyTrainer(backend).cache(new MemoryCache()).listener(listener).build().fit(model, data).model();
        assertEquals(1, events.size(), "the frozen prefix (dense + toy layer) was featurized once");
        assertEquals(2, events.get(0).frozenLayers());
        assertParametersClose(plain, cached);
        for (Model trained : List.of(plain, cached)) {
            ScaleLayer frozen = (ScaleLayer) trained.layer("scale");
            assertArrayEquals(model.layer("scale").parameterValues("scale"), frozen.parameterValues("scale"), "frozen scale");
            assertArrayEquals(model.layer("scale").parameterValues("mean"), frozen.parameterValues("mean"),
                    "a frozen layer's state is never updated");
        }
    }

    @Test
    void activationLayerComputesWhatAFusedActivationDoes() {
        Model fused = Model.builder(6, 13).dense("h", 5, Activation.TANH).dense("out", 3, Activation.SOFTMAX).build();
        Dense h = (Dense) fused.layer("h");
        Dense out = (Dense) fused.layer("out");
        Model separate = new Model(List.of(
                new Dense("h", 6, 5, Activation.IDENTITY, h.weights(), h.bias()),
                new ActivationLayer("h_act", Shape.vector(5), Activation.TANH, true),
                new Dense("out", 5, 3, Activation.IDENTITY, out.weights(), out.bias()),
                new ActivationLayer("probs", Shape.vector(3), Activation.SOFTMAX, true)));
        Dataset data = toyData(30, 2);
        float[] expected = predict(fused, data);
        assertClose("predictions with activation layers", expected, predict(separate, data), 1e-6, 1e-5);
        Model a = toyTrainer(backend).build().fit(fused, data).model();
        Model b = toyTrainer(backend).build().fit(separate, data).model();
        assertClose("h after training", ((Dense) a.layer("h")).weights(), ((Dense) b.layer("h")).weights(), 1e-5, 1e-4);
        assertClose("out after training", ((Dense) a.layer("out")).weights(), ((Dense) b.layer("out")).weights(), 1e-5, 1e-4);
    }

    private float[] predict(Model model, Dataset data) {
        float[] out = new float[data.size() * model.outputWidth()];
        try (Network net = Networks.open(backend, NetworkPlan.inference(model, data.size()))) {
            net.predict(data.features(), 0, data.size(), out, 0);
        }
        return out;
    }

    @Test
    void channelKernelsNativeAndComposedMatchTheReference() {
        List<DeviceBuffer> owned = new ArrayList<>();
        try {
            ChannelKernels composed = KernelFamilies.composed(backend, ChannelKernels.class, n -> keep(owned, backend.allocate(n)));
            checkChannelKernels("composed", composed, 7, 5);
            checkChannelKernels("composed", composed, 1, 3);
            checkChannelKernels("composed", composed, 33, 2);
            var own = backend.capability(ChannelKernels.class);
            if (own.isPresent()) {
                checkChannelKernels("native", own.get(), 7, 5);
                checkChannelKernels("native", own.get(), 1, 3);
                checkChannelKernels("native", own.get(), 33, 2);
            }
        } finally {
            owned.forEach(DeviceBuffer::close);
        }
    }

    private void checkChannelKernels(String which, ChannelKernels kernels, int rows, int cols) {
        SplittableRandom r = new SplittableRandom(rows * 31L + cols);
        float[] x = random(r, rows * cols, 2);
        float[] y = random(r, rows * cols, 2);
        float[] scale = random(r, cols, 2);
        float[] shift = random(r, cols, 2);
        ChannelKernels oracle = reference.capability(ChannelKernels.class).orElseThrow();
        float[] expected = DeviceArrays.run(reference, b -> oracle.scaleShift(b[0], b[1], b[2], rows, cols), x, scale, shift)[0];
        float[] actual = DeviceArrays.run(backend, b -> kernels.scaleShift(b[0], b[1], b[2], rows, cols), x, scale, shift)[0];
        assertClose(which + " scaleShift " + rows + "x" + cols, expected, actual, ELEMENTWISE_ABS, ELEMENTWISE_REL);
        float[] expectedNoShift = DeviceArrays.run(reference, b -> oracle.scaleShift(b[0], b[1], null, rows, cols), x, scale)[0];
        float[] actualNoShift = DeviceArrays.run(backend, b -> kernels.scaleShift(b[0], b[1], null, rows, cols), x, scale)[0];
        assertClose(which + " scaleShift without shift", expectedNoShift, actualNoShift, ELEMENTWISE_ABS, ELEMENTWISE_REL);
        float[] dots = DeviceArrays.run(reference, b -> oracle.columnDots(b[1], b[2], rows, cols, b[0]),
                new float[cols], x, y)[0];
        float[] dotsActual = DeviceArrays.run(backend, b -> kernels.columnDots(b[1], b[2], rows, cols, b[0]),
                new float[cols], x, y)[0];
        assertClose(which + " columnDots " + rows + "x" + cols, dots, dotsActual, 1e-5, 1e-5);
    }

    /** A kernel family no backend has and graft-api cannot compose. */
    interface UnobtainableKernels {
    }

    @Test
    void aLayerNeedingKernelsTheBackendLacksIsRefusedByName() {
        Layer layer = new NeedyLayer(Shape.vector(4));
        Model model = new Model(List.of(layer));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Networks.open(backend, NetworkPlan.inference(model, 2)).close());
        assertTrue(e.getMessage().contains("'needy'") && e.getMessage().contains(backend.name())
                && e.getMessage().contains("UnobtainableKernels"), e.getMessage());
    }

    /** Asks for {@link UnobtainableKernels}. */
    private record NeedyLayer(Shape shape) implements Layer {
        @Override public String name() { return "needy"; }
        @Override public Shape inputShape() { return shape; }
        @Override public Shape outputShape() { return shape; }
        @Override public boolean trainable() { return true; }
        @Override public Layer withTrainable(boolean t) { return this; }
        @Override public Layer withName(String n) { return this; }
        @Override public List<Parameter> parameters() { return List.of(); }
        @Override public FloatBuffer parameterView(String n) { throw new IllegalArgumentException(n); }
        @Override public Layer withParameters(Map<String, float[]> v) { return this; }
        @Override public LayerDescription description() { return LayerDescription.of("test_needy"); }

        @Override
        public LayerOp op(OpContext context) {
            context.kernels(UnobtainableKernels.class);
            throw new AssertionError("unreachable");
        }
    }

    static void assertParametersClose(Model expected, Model actual) {
        for (int i = 0; i < expected.size(); i++) {
            Layer e = expected.layer(i);
            for (Parameter p : e.parameters()) {
                assertClose(e.name() + "." + p.name(), e.parameterValues(p.name()),
                        actual.layer(i).parameterValues(p.name()), 1e-5, 1e-4);
            }
        }
    }
}
