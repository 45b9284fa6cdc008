package dev.graft.conformance;

import static dev.graft.conformance.Conformance.assertClose;
import static dev.graft.conformance.Conformance.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.InputLayer;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.Parameter;
import dev.graft.Transfer;
import dev.graft.cache.MemoryCache;
import dev.graft.data.Dataset;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import dev.graft.spi.Backend;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingListener;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Graph models on the backend: a residual block (conv → batch norm → activation → conv + skip add),
 * joined branches ({@code Concatenate} on channels, height and vectors), and a model with two inputs.
 * Forward passes against an independent double computation ({@link GraphHostMath}) and the reference;
 * gradients (including the sum over a fan-out) against finite differences of it; training against the
 * reference; a frozen part cached at a single-tensor cut trains exactly as uncached, with the cut
 * both above a merge and at a fan-out.
 */
public abstract class GraphConformance extends ActivationConformance {

    private static Model graph(String name, long seed) {
        return switch (name) {
            case "residual" -> GraphModels.residual(seed, 3);
            case "residual_smooth" -> Transfer.from(GraphModels.residual(seed, 3, Activation.TANH)).freeze("bn_a").build();
            case "branches" -> GraphModels.branches(seed, 3);
            case "image_branches" -> GraphModels.imageBranches(seed, 3);
            case "two_inputs" -> GraphModels.twoInputs(seed, 3);
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"residual", "branches", "image_branches", "two_inputs"})
    void graphForwardMatchesAnIndependentComputationAndTheReference(String name) {
        Model model = graph(name, 11);
        for (int rows : new int[] {1, 5}) {
            float[] x = random(new SplittableRandom(rows + name.length()), rows * model.inputWidth(), 1.5);
            double[][] independent = GraphHostMath.outputs(model, x, rows, false);
            float[] expected = new float[rows * model.outputWidth()];
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < model.outputWidth(); j++) {
                    expected[r * model.outputWidth() + j] = (float) independent[r][j];
                }
            }
            assertClose(name + " (batch " + rows + ") reference vs independent", expected, predict(reference, model, x, rows),
                    1e-6, 1e-5);
            assertClose(name + " (batch " + rows + ") " + backend.name() + " vs independent", expected,
                    predict(backend, model, x, rows), 1e-5, 1e-4);
        }
    }

    private static float[] predict(Backend on, Model model, float[] x, int rows) {
        float[] out = new float[rows * model.outputWidth()];
        try (Network net = Networks.open(on, NetworkPlan.inference(model, rows))) {
            net.predict(x, 0, rows, out, 0);
        }
        return out;
    }

    /** One SGD step at learning rate 1 moves each parameter by minus its gradient: compare with central differences. */
    @ParameterizedTest
    @ValueSource(strings = {"residual_smooth", "branches", "image_branches", "two_inputs"})
    void graphGradientsMatchFiniteDifferences(String name) {
        int rows = 3;
        Model model = graph(name, 5);
        float[] x = random(new SplittableRandom(name.length()), rows * model.inputWidth(), 1.5);
        float[] labels = {0, 2, 1};
        Model after = GradientCheck.afterOneStep(backend, model, x, labels, rows);
        assertEquals(model.inbound(), after.inbound(), "the snapshot keeps the graph");
        int checked = 0;
        for (int li = 0; li < model.size(); li++) {
            Layer before = model.layer(li);
            if (!before.trainable()) {
                assertTrue(before.sameParameters(after.layer(li)), before.name() + " is frozen");
                continue;
            }
            for (Parameter p : before.parameters()) {
                GradientCheck.Gradient g = GradientCheck.of(model, after, li, p.name(), 1e-4,
                        m -> GraphHostMath.meanLoss(m, x, labels, rows));
                assertClose(name + ": " + before.name() + "." + p.name() + " gradient", g.fromDifferences(), g.fromStep(),
                        3e-5, 3e-3);
                checked++;
            }
        }
        assertTrue(checked >= 4, name + ": parameters checked " + checked);
    }

    /** Labelled samples for {@code model}: the label depends on the sign of two features. */
    private static Dataset data(Model model, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 40;
        int w = model.inputWidth();
        float[] x = random(r, n * w, 1);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = (x[i * w] > 0 ? 1 : 0) + (x[i * w + w - 1] > 0.3f ? 1 : 0);
        }
        return Dataset.classification(x, w, y, 3);
    }

    private static Trainer.Builder trainer(Backend on) {
        return Trainer.builder(on).optimizer(Optimizer.adam(0.01f)).epochs(2).batchSize(8).seed(5);
    }

    @ParameterizedTest
    @ValueSource(strings = {"residual", "branches", "image_branches", "two_inputs"})
    void graphTrainsLikeTheReference(String name) {
        Model model = graph(name, 31);
        Dataset data = data(model, 6);
        Model expected = trainer(reference).build().fit(model, data).model();
        Model actual = trainer(backend).build().fit(model, data).model();
        assertEquals(model.inbound(), actual.inbound());
        ConvConformance.assertParametersClose(name, expected, actual);
        assertFalse(model.layer("out").sameParameters(actual.layer("out")), "the head trains");
    }

    /**
     * Frozen through the add (the cut is above the merge) or through the stem (the cut is at a fan-out:
     * the cached tensor feeds the block and the skip): cached and uncached training agree.
     */
    @ParameterizedTest
    @ValueSource(strings = {"add", "stem"})
    void frozenGraphPartIsCachedAtItsCutAndTrainsAsUncached(String through) {
        Model model = Transfer.from(GraphModels.residual(12, 3)).freezeThrough(through).build();
        int frozen = model.indexOf(through) + 1;
        assertEquals(frozen, model.frozenPrefixLength());
        Dataset data = data(model, 13);
        List<TrainingListener.FeaturesEvent> events = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override public void onFeatures(FeaturesEvent event) { events.add(event); }
        };
        Model plain = trainer(backend).build().fit(model, data).model();
        Model cached = trainer(backend).cache(new MemoryCache()).listener(listener).build().fit(model, data).model();
        assertEquals(1, events.size(), "the frozen part was featurized once");
        assertEquals(frozen, events.get(0).frozenLayers());
        ConvConformance.assertParametersClose("cached vs uncached, frozen through " + through, plain, cached);
        for (Model trained : List.of(plain, cached)) {
            assertEquals(model.names(), trained.names());
            assertEquals(model.inbound(), trained.inbound());
            for (int i = 0; i < model.size(); i++) {
                Layer layer = model.layer(i);
                if (i < frozen) {
                    assertTrue(layer.sameParameters(trained.layer(i)), layer.name() + " stays bit-identical");
                }
            }
            assertFalse(model.layer("out").sameParameters(trained.layer("out")), "the head trains");
        }
        assertTrue(model.layer(0) instanceof InputLayer);
    }

    /** A frozen part without a single-tensor cut (frozen mid-block) trains uncached, and still only the trainable layers change. */
    @Test
    void aFrozenPartWithoutACutTrainsUncached() {
        Model model = Transfer.from(GraphModels.residual(14, 3)).freezeThrough("relu_a").build();
        assertEquals(2, model.frozenPrefixLength(), "the cache can only take the stem");
        Model trained = trainer(backend).cache(new MemoryCache()).build().fit(model, data(model, 15)).model();
        for (String frozen : List.of("stem", "conv_a", "bn_a")) {
            assertTrue(model.layer(frozen).sameParameters(trained.layer(frozen)), frozen + " stays bit-identical");
        }
        assertFalse(model.layer("conv_b").sameParameters(trained.layer("conv_b")), "conv_b trains");
    }

    /** A chain that starts with an input layer (as Keras files do) predicts and trains exactly as the same chain without it. */
    @Test
    void aLeadingInputLayerChangesNothing() {
        Model plain = Model.builder(5, 21).dense("h", 4, Activation.TANH).dense("out", 3, Activation.SOFTMAX).build();
        List<Layer> layers = new ArrayList<>(plain.layers());
        layers.add(0, new InputLayer("in", plain.inputShape()));
        Model withInput = new Model(layers);
        assertTrue(withInput.isChain());
        float[] x = random(new SplittableRandom(3), 4 * 5, 1);
        assertArrayEquals(predict(backend, plain, x, 4), predict(backend, withInput, x, 4));
        Dataset data = data(plain, 22);
        Model a = trainer(backend).build().fit(plain, data).model();
        Model b = trainer(backend).build().fit(withInput, data).model();
        for (String name : List.of("h", "out")) {
            assertTrue(a.layer(name).sameParameters(b.layer(name)), name + " trains bit-identically");
        }
    }
}
