package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.data.Dataset;
import dev.graft.loader.Datasets;
import dev.graft.loader.Models;
import dev.graft.loader.data.CsvDatasets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * train → inspect → evaluate → featurize → transfer on small CSV data, through the command line,
 * checking what is printed against the files written and an independent forward pass.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkflowTest {

    @TempDir
    static Path dir;
    Path train;
    Path test;
    Path model;
    Path tf;
    Path plot;
    Cli.Run trained;

    @BeforeAll
    void trainOriginal() throws IOException {
        train = TestData.clusters(dir.resolve("train.csv"), 240, 1);
        test = TestData.clusters(dir.resolve("test.csv"), 90, 2);
        model = dir.resolve("original.safetensors");
        tf = dir.resolve("tf");
        plot = dir.resolve("curves.png");
        trained = Cli.run("train", "--layers", "16:relu,12:relu,3", "--data", train, "--test", test, "--epochs", 12,
                "--batch", 16, "--out", model, "--export-tf", tf, "--plot", plot, "--backend", "reference",
                "--progress", "lines");
        assertEquals(0, trained.code(), trained::toString);
    }

    @Test
    void trainPrintsTheRunAndWritesModelCheckpointAndPlot() throws IOException {
        assertTrue(trained.out().contains("test: accuracy"), trained::toString);
        assertTrue(trained.out().contains("saved model: " + model), trained::toString);
        assertTrue(trained.err().contains("train epoch 1/12"), "a progress line per epoch in lines mode\n" + trained);
        Model m = Models.load(model).model();
        assertEquals(List.of("hidden1", "hidden2", "output"), m.names());
        assertEquals(TestData.FEATURES, m.inputWidth());
        assertEquals(3, m.outputWidth());
        Model fromTf = Models.load(tf.resolve("model.ckpt")).model();
        assertEquals(m.names(), fromTf.names());
        for (int i = 0; i < m.size(); i++) {
            assertTrue(((Dense) m.layer(i)).sameParameters((Dense) fromTf.layer(i)), "TF checkpoint layer " + i);
            assertEquals(((Dense) m.layer(i)).activation(), ((Dense) fromTf.layer(i)).activation());
        }
        byte[] png = Files.readAllBytes(plot);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'},
                java.util.Arrays.copyOf(png, 8), "PNG signature");
        assertTrue(png.length > 10_000 && png.length < 2_000_000, "plausible PNG size: " + png.length);
        java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(plot.toFile());
        assertEquals(2 * 560, image.getWidth(), "loss and accuracy charts side by side");
    }

    @Test
    void evaluateMatchesAnIndependentForwardPass() throws IOException {
        Cli.Run run = Cli.run("--json", "evaluate", model, "--data", test, "--backend", "reference");
        assertEquals(0, run.code(), run::toString);
        JsonNode j = run.json();
        Model m = Models.load(model).model();
        Dataset data = Datasets.csv(test, CsvDatasets.Options.classification("label"));
        int correct = 0;
        int[][] confusion = new int[3][3];
        float[] x = data.features();
        for (int s = 0; s < data.size(); s++) {
            double[] in = new double[data.width()];
            for (int i = 0; i < in.length; i++) {
                in[i] = x[s * data.width() + i];
            }
            int predicted = Forward.argMax(Forward.outputs(m, in));
            confusion[data.label(s)][predicted]++;
            if (predicted == data.label(s)) {
                correct++;
            }
        }
        assertEquals(90, j.get("samples").asInt());
        assertEquals((double) correct / data.size(), j.get("accuracy").asDouble(), 1e-9);
        assertTrue(j.get("accuracy").asDouble() > 0.8, "separable clusters: " + j);
        for (int a = 0; a < 3; a++) {
            for (int p = 0; p < 3; p++) {
                assertEquals(confusion[a][p], j.get("confusion").get(a).get(p).asInt(), "confusion[" + a + "][" + p + "]");
            }
        }
        Cli.Run human = Cli.run("evaluate", model, "--data", test, "--backend", "reference");
        assertTrue(human.out().contains("actual \\ predicted"), human::toString);
        assertTrue(human.out().contains(Tables.percent((double) correct / data.size())), human::toString);
    }

    @Test
    void inspectShowsLayersShapesAndParameterCounts() {
        Cli.Run run = Cli.run("inspect", model);
        assertEquals(0, run.code(), run::toString);
        assertTrue(run.out().contains("hidden1") && run.out().contains("8 -> 16") && run.out().contains("12 -> 3"), run::toString);
        long params = 8 * 16 + 16 + 16 * 12 + 12 + 12 * 3 + 3;
        assertTrue(run.out().contains("total parameters: " + params), run::toString);
        JsonNode j = Cli.run("--json", "inspect", tf.resolve("model.ckpt")).json();
        assertEquals("TF_CHECKPOINT", j.get("format").asText());
        assertEquals(params, j.get("parameters").asLong());
        assertEquals("relu", j.get("layers").get(0).get("activation").asText());
    }

    @Test
    void featurizeWritesTheFrozenLayersOutputs() throws IOException {
        Path features = dir.resolve("features.csv");
        Cli.Run run = Cli.run("featurize", model, "--through", "hidden2", "--data", test, "--out", features,
                "--backend", "reference");
        assertEquals(0, run.code(), run::toString);
        List<String> lines = Files.readAllLines(features);
        assertEquals(91, lines.size());
        assertTrue(lines.get(0).startsWith("label,f0,f1,") && lines.get(0).endsWith(",f11"), lines.get(0));
        Model prefix = Models.load(model).model().slice(0, 2);
        Dataset data = Datasets.csv(test, CsvDatasets.Options.classification("label"));
        for (int s = 0; s < data.size(); s += 17) {
            double[] in = new double[data.width()];
            float[] x = data.features();
            for (int i = 0; i < in.length; i++) {
                in[i] = x[s * data.width() + i];
            }
            double[] expected = Forward.outputs(prefix, in);
            String[] cells = lines.get(s + 1).split(",");
            assertEquals(data.label(s), Integer.parseInt(cells[0]));
            for (int f = 0; f < expected.length; f++) {
                assertEquals(expected[f], Double.parseDouble(cells[f + 1]), 1e-4, "sample " + s + " feature " + f);
            }
        }
        Cli.Run head = Cli.run("train", "--layers", "3", "--data", features, "--epochs", 3, "--backend", "reference", "-q");
        assertEquals(0, head.code(), "features CSV feeds graft train\n" + head);
    }

    @Test
    void transferFreezesCopiesAndLeavesTheSourceFileAlone() throws IOException {
        byte[] before = Files.readAllBytes(model);
        Path out = dir.resolve("transferred.safetensors");
        Cli.Run run = Cli.run("--json", "transfer", model, "--keep", "hidden2", "--freeze", "hidden1",
                "--head", "2:softmax", "--head-hidden", "6,relu", "--data", train, "--classes", "1,2", "--per-class", 30,
                "--epochs", 6, "--batch", 8, "--test", test, "--out", out, "--backend", "reference");
        assertEquals(0, run.code(), run::toString);
        JsonNode j = run.json();
        assertEquals("hidden1", j.get("frozen").get(0).asText());
        assertEquals(1, j.get("frozen").size());
        assertEquals(54 + 6, j.get("trainSamples").asInt() + j.get("validationSamples").asInt(), j::toString);
        assertArrayEquals(before, Files.readAllBytes(model), "the source model file is not touched");

        Model source = Models.load(model).model();
        Model result = Models.load(out).model();
        assertEquals(List.of("hidden1", "hidden2", "head_hidden1", "output"), result.names());
        assertFalse(result.layer("hidden1").trainable());
        assertTrue(result.layer("hidden2").trainable());
        assertTrue(((Dense) result.layer("hidden1")).sameParameters((Dense) source.layer("hidden1")), "frozen layer copied bit for bit");
        assertFalse(((Dense) result.layer("hidden2")).sameParameters((Dense) source.layer("hidden2")), "trainable copied layer was fine-tuned");
        assertEquals(6, result.layer("head_hidden1").outputWidth());
        assertEquals("softmax", ((Dense) result.layer("output")).activation().toString());
        assertEquals(2, result.outputWidth());
    }

    @Test
    void theCacheDoesNotChangeTheResult() throws IOException {
        Path cached = dir.resolve("cached.safetensors");
        Path uncached = dir.resolve("uncached.safetensors");
        Object[] common = {"transfer", model, "--keep", "hidden2", "--freeze", "hidden2", "--head", "3", "--data", train,
                "--epochs", 4, "--backend", "reference", "-q"};
        Cli.Run a = Cli.run(concat(common, "--cache", "memory", "--out", cached));
        Cli.Run b = Cli.run(concat(common, "--cache", "none", "--out", uncached));
        assertEquals(0, a.code(), a::toString);
        assertEquals(0, b.code(), b::toString);
        assertTrue(a.out().contains("bottleneck cache: computed"), a::toString);
        assertFalse(b.out().contains("bottleneck cache"), b::toString);
        Model x = Models.load(cached).model();
        Model y = Models.load(uncached).model();
        assertTrue(DemoScenario.maxDifference(x, y) < 1e-5, "cached and uncached runs agree: " + DemoScenario.maxDifference(x, y));
    }

    @Test
    void aDiskCacheIsReusedByTheNextRunAndListedAndCleared() throws IOException {
        Path cacheDir = dir.resolve("cache");
        Object[] common = {"--json", "transfer", model, "--keep", "hidden2", "--head", "3", "--data", train,
                "--epochs", 3, "--cache", cacheDir, "--backend", "reference"};
        Cli.Run first = Cli.run(concat(common, "--out", dir.resolve("first.safetensors")));
        Cli.Run second = Cli.run(concat(common, "--out", dir.resolve("second.safetensors")));
        assertEquals(0, first.code(), first::toString);
        assertEquals(0, second.code(), second::toString);
        JsonNode a = first.json().get("bottleneck");
        JsonNode b = second.json().get("bottleneck");
        assertEquals(2, a.size(), "training and validation features: " + a);
        for (int i = 0; i < 2; i++) {
            assertFalse(a.get(i).get("hit").asBoolean(), "first run computes");
            assertTrue(b.get(i).get("hit").asBoolean(), "second run reads the files");
            assertEquals(a.get(i).get("key").asText(), b.get(i).get("key").asText());
        }
        Model x = Models.load(dir.resolve("first.safetensors")).model();
        Model y = Models.load(dir.resolve("second.safetensors")).model();
        assertEquals(0.0, DemoScenario.maxDifference(x, y), "same features, same seed, same weights");

        JsonNode ls = Cli.run("--json", "cache", "ls", "--dir", cacheDir).json();
        assertEquals(2, ls.get("entries").size(), ls::toString);
        long bytes = 0;
        for (JsonNode e : ls.get("entries")) {
            assertEquals(12, e.get("cols").asInt(), "hidden2's width");
            bytes += Files.size(Path.of(e.get("file").asText()));
        }
        assertEquals(bytes, ls.get("bytes").asLong());
        Cli.Run human = Cli.run("cache", "ls", "--dir", cacheDir);
        assertTrue(human.out().contains("2 entries"), human::toString);
        Cli.Run clear = Cli.run("cache", "clear", "--dir", cacheDir);
        assertTrue(clear.out().contains("removed 2 cache entries"), clear::toString);
        assertEquals(0, Cli.run("--json", "cache", "ls", "--dir", cacheDir).json().get("entries").size());
    }

    @Test
    void savedModelExportLoadsBackThroughTheLoader() throws IOException {
        dev.graft.Backends.Candidate tf = dev.graft.Backends.find("tf");
        org.junit.jupiter.api.Assumptions.assumeTrue(tf.availability().available(),
                () -> "TensorFlow backend unavailable: " + tf.availability().reason());
        Path savedModel = dir.resolve("saved");
        Cli.Run run = Cli.run("train", "--layers", "5:relu,3", "--data", train, "--epochs", 1, "--out", dir.resolve("sm"),
                "--export-saved-model", savedModel, "--backend", "reference", "-q");
        assertEquals(0, run.code(), run::toString);
        assertTrue(run.out().contains("TensorFlow SavedModel: " + savedModel), run::toString);
        Model graft = Models.load(dir.resolve("sm")).model();
        Model fromTf = Models.load(savedModel).model();
        assertEquals(graft.names(), fromTf.names());
        for (int i = 0; i < graft.size(); i++) {
            assertTrue(((Dense) graft.layer(i)).sameParameters((Dense) fromTf.layer(i)), "SavedModel layer " + i);
        }
        Cli.Run again = Cli.run("train", "--layers", "3", "--data", train, "--epochs", 1, "--export-saved-model", savedModel,
                "--backend", "reference", "-q");
        assertEquals(1, again.code(), "an existing SavedModel directory is not overwritten\n" + again);
        assertTrue(again.err().contains("already exists"), again::toString);
    }

    static Object[] concat(Object[] a, Object... b) {
        Object[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
