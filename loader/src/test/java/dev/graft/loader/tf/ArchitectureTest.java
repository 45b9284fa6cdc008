package dev.graft.loader.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.loader.Fixtures;
import dev.graft.loader.LoadReport;
import dev.graft.loader.LoadedModel;
import dev.graft.loader.ModelFileException;
import dev.graft.loader.TensorLayer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layer stacks recovered from graphs, from names alone, and from explicit mappings. */
class ArchitectureTest {

    static String describe(Model m) {
        StringBuilder sb = new StringBuilder().append(m.inputWidth());
        for (var l : m.layers()) {
            Dense d = (Dense) l;
            sb.append(" -> ").append(d.name()).append(' ').append(d.outputWidth()).append(' ').append(d.activation());
        }
        return sb.toString();
    }

    @Test
    void slatteryGraphGivesTwoSigmoidLayers() throws Exception {
        LoadedModel lm = TfModelReader.readCheckpoint(Fixtures.slatteryPrefix(), null);
        assertEquals("2 -> Weights1 2 sigmoid -> Weights2 3 sigmoid", describe(lm.model()));
        assertEquals("Bias2", lm.report().layers().get(1).bias());
        assertTrue(lm.report().skipped().isEmpty());
    }

    @Test
    void mnistGraphGivesReluReluLogits() throws Exception {
        LoadedModel lm = TfModelReader.readCheckpoint(Fixtures.mnistDir(), null);
        assertEquals("784 -> hidden1 128 relu -> hidden2 32 relu -> softmax_linear 10 identity", describe(lm.model()));
        assertEquals(List.of(new LoadReport.SkippedVariable("global_step", "step counter")), lm.report().skipped());
    }

    @Test
    void tf2SavedModelFollowsFunctionCallsAndSkipsAdamSlots() throws Exception {
        LoadedModel lm = TfModelReader.readSavedModel(Fixtures.savedModelDir(), null);
        assertEquals("3 -> dense 500 relu -> dense_1 200 relu -> dense_2 50 relu -> dense_3 1 identity", describe(lm.model()));
        assertEquals("layer_with_weights-2/kernel/.ATTRIBUTES/VARIABLE_VALUE", lm.report().layers().get(2).weights());
        List<LoadReport.SkippedVariable> skipped = lm.report().skipped();
        assertEquals(24, skipped.size(), skipped.toString());
        assertEquals(16, skipped.stream().filter(s -> s.name().contains(".OPTIMIZER_SLOT")).count());
        assertTrue(skipped.stream().anyMatch(s -> s.name().startsWith("optimizer/iter")));
        assertTrue(skipped.stream().anyMatch(s -> s.name().startsWith("keras_api/metrics/0/total")));
        float[] first = ((Dense) lm.model().layer(0)).bias();
        assertEquals(0.58146f, first[0], 1e-5f);
    }

    @Test
    void withoutGraphOrderComesFromNamesAndShapesAndSaysSo(@TempDir Path tmp) throws Exception {
        Path prefix = Fixtures.copyCheckpoint(Fixtures.slatteryPrefix(), tmp);
        Files.delete(tmp.resolve("model.ckpt.meta"));
        LoadedModel lm = TfModelReader.readCheckpoint(prefix, null);
        assertEquals("2 -> Weights1 2 identity -> Weights2 3 identity", describe(lm.model()));
        assertEquals("Bias1", lm.report().layers().get(0).bias());
        assertTrue(lm.report().notes().stream().anyMatch(n -> n.contains("inferred from tensor names and shapes")));
    }

    @Test
    void explicitMappingOverridesEverything() throws Exception {
        List<TensorLayer> mapping = List.of(
                TensorLayer.of("hidden", "Weights1", "Bias1", Activation.TANH),
                TensorLayer.of("out", "Weights2", null, Activation.SOFTMAX));
        LoadedModel lm = TfModelReader.readCheckpoint(Fixtures.slatteryPrefix(), mapping);
        assertEquals("2 -> hidden 2 tanh -> out 3 softmax", describe(lm.model()));
        assertArrayEquals(new float[3], ((Dense) lm.model().layer(1)).bias());
        assertTrue(lm.report().skipped().stream().anyMatch(s -> s.name().equals("Bias2")));
    }

    @Test
    void seedNetworkWithFullyConnectedNaming(@TempDir Path tmp) throws Exception {
        Path prefix = tmp.resolve("model.ckpt");
        TfGraphs.write(prefix, 11,
                new TfGraphs.Spec("hidden1", 500, 300, "Relu", false),
                new TfGraphs.Spec("hidden2", 300, 100, "Relu", false),
                new TfGraphs.Spec("hidden3", 100, 50, "Relu", false),
                new TfGraphs.Spec("output", 50, 5, null, false));
        LoadedModel lm = TfModelReader.readCheckpoint(prefix, null);
        assertEquals("500 -> hidden1 300 relu -> hidden2 100 relu -> hidden3 50 relu -> output 5 identity", describe(lm.model()));
        assertEquals(List.of("global_step"), lm.report().skipped().stream().map(LoadReport.SkippedVariable::name).toList());
        // The same checkpoint without its graph: same order and sizes from names and shapes.
        Files.delete(tmp.resolve("model.ckpt.meta"));
        assertEquals("500 -> hidden1 300 identity -> hidden2 100 identity -> hidden3 50 identity -> output 5 identity",
                describe(TfModelReader.readCheckpoint(prefix, null).model()));
    }

    @Test
    void wTimesXGraphsAreTransposed(@TempDir Path tmp) throws Exception {
        Path prefix = tmp.resolve("wx");
        TfGraphs.write(prefix, 3, new TfGraphs.Spec("l1", 4, 3, "Tanh", true), new TfGraphs.Spec("l2", 3, 2, "Sigmoid", true));
        LoadedModel lm = TfModelReader.readCheckpoint(prefix, null);
        assertEquals("4 -> l1 3 tanh -> l2 2 sigmoid", describe(lm.model()));
        float[] stored = TensorBundle.open(prefix).readFloats("l1/weights"); // [out=3, in=4]
        float[] loaded = ((Dense) lm.model().layer(0)).weights();           // [in=4, out=3]
        for (int i = 0; i < 4; i++) {
            for (int o = 0; o < 3; o++) {
                assertEquals(stored[o * 4 + i], loaded[i * 3 + o]);
            }
        }
        assertTrue(lm.report().layers().get(0).transposed());
    }

    @Test
    void graphThatDisagreesWithCheckpointShapesNamesTheTensor(@TempDir Path tmp) throws Exception {
        Path prefix = tmp.resolve("model.ckpt");
        Files.copy(Fixtures.slatteryPrefix().resolveSibling("model.ckpt.meta"), tmp.resolve("model.ckpt.meta"));
        new BundleWriter()
                .add("Weights1", new long[] {2, 2}, new float[4]).add("Bias1", new long[] {2}, new float[2])
                .add("Weights2", new long[] {3, 3}, new float[9]).add("Bias2", new long[] {3}, new float[3])
                .write(prefix);
        ModelFileException e = assertThrows(ModelFileException.class, () -> TfModelReader.readCheckpoint(prefix, null));
        assertTrue(e.getMessage().contains("model.ckpt.meta") && e.getMessage().contains("Weights2"), e.getMessage());
    }

    @Test
    void graphVariableMissingFromCheckpointIsNamed(@TempDir Path tmp) throws Exception {
        Path prefix = tmp.resolve("model.ckpt");
        Files.copy(Fixtures.slatteryPrefix().resolveSibling("model.ckpt.meta"), tmp.resolve("model.ckpt.meta"));
        new BundleWriter().add("Weights1", new long[] {2, 2}, new float[4]).add("Bias1", new long[] {2}, new float[2])
                .write(prefix);
        ModelFileException e = assertThrows(ModelFileException.class, () -> TfModelReader.readCheckpoint(prefix, null));
        assertTrue(e.getMessage().contains("Weights2") && e.getMessage().contains("no such tensor"), e.getMessage());
    }
}
