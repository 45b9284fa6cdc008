package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.loader.ModelFormat;
import dev.graft.loader.Models;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12's CLI cases: --classes in evaluate, sizes that overflow, output paths, exports replaced as a whole. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IntegrityTest {

    @TempDir
    static Path dir;
    Path data;
    Path model;

    @BeforeAll
    void makeModel() throws IOException {
        data = TestData.clusters(dir.resolve("data.csv"), 90, 5);
        model = dir.resolve("m.safetensors");
        // One short epoch at a small rate: a model that still makes mistakes, so the counts below mean something.
        Cli.Run run = Cli.run("train", "--layers", "4,3", "--data", data, "--epochs", 1, "--lr", "0.002", "--out", model,
                "--backend", "reference", "-q");
        assertEquals(0, run.code(), run::toString);
    }

    /** Rows of the CSV as {features..., label}. */
    private static List<double[]> rows(Path csv) throws IOException {
        List<double[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(csv).subList(1, Files.readAllLines(csv).size())) {
            rows.add(java.util.Arrays.stream(line.split(",")).mapToDouble(Double::parseDouble).toArray());
        }
        return rows;
    }

    private static int argMax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void evaluateOnASubsetOfClassesKeepsTheModelsNumbering() throws IOException {
        Model m = Models.load(model).model();
        int samples = 0;
        int correct = 0;
        int[][] confusion = new int[3][3];
        for (double[] r : rows(data)) {
            int label = (int) r[r.length - 1];
            if (label == 1 || label == 2) {
                int predicted = argMax(Forward.outputs(m, java.util.Arrays.copyOf(r, r.length - 1)));
                samples++;
                correct += predicted == label ? 1 : 0;
                confusion[label][predicted]++;
            }
        }
        assertTrue(correct > 0 && correct < samples, "a model with mistakes: " + correct + " of " + samples);
        Cli.Run run = Cli.run("--json", "evaluate", model, "--data", data, "--classes", "1,2", "--backend", "reference");
        assertEquals(0, run.code(), run::toString);
        JsonNode j = run.json();
        assertEquals(samples, j.get("samples").asInt());
        assertEquals((double) correct / samples, j.get("accuracy").asDouble(), 1e-12, "accuracy agrees with a hand count");
        assertEquals("[\"0\",\"1\",\"2\"]", j.get("classes").toString(), "the header names the model's own classes");
        for (int a = 0; a < 3; a++) {
            for (int p = 0; p < 3; p++) {
                assertEquals(confusion[a][p], j.get("confusion").get(a).get(p).asInt(), "confusion[" + a + "][" + p + "]");
            }
        }
        Cli.Run text = Cli.run("evaluate", model, "--data", data, "--classes", "1,2", "--backend", "reference");
        String header = text.out().lines().filter(l -> l.startsWith("actual")).findFirst().orElseThrow();
        assertEquals(List.of("0", "1", "2", "total", "recall"),
                List.of(header.substring("actual \\ predicted".length()).trim().split("\\s+")), header);
    }

    @Test
    void evaluateWithTheClassesAModelWasTrainedWithRenumbersLikeTraining() throws IOException {
        Path two = dir.resolve("two.safetensors");
        Cli.Run train = Cli.run("train", "--layers", "2", "--data", data, "--classes", "2,0", "--epochs", 1, "--lr", "0.002",
                "--out", two, "--backend", "reference", "-q");
        assertEquals(0, train.code(), train::toString);
        Model m = Models.load(two).model();
        int samples = 0;
        int correct = 0;
        for (double[] r : rows(data)) {
            int label = (int) r[r.length - 1];
            int renumbered = label == 2 ? 0 : label == 0 ? 1 : -1;
            if (renumbered >= 0) {
                samples++;
                correct += argMax(Forward.outputs(m, java.util.Arrays.copyOf(r, r.length - 1))) == renumbered ? 1 : 0;
            }
        }
        JsonNode j = Cli.run("--json", "evaluate", two, "--data", data, "--classes", "2,0", "--backend", "reference").json();
        assertEquals((double) correct / samples, j.get("accuracy").asDouble(), 1e-12);
        assertEquals("[\"2\",\"0\"]", j.get("classes").toString(), "output 0 is class 2, as in training");
        Cli.Run bad = Cli.run("evaluate", model, "--data", data, "--classes", "5", "--backend", "reference");
        assertEquals(1, bad.code(), bad::toString);
        assertTrue(bad.err().contains("the model has 3 outputs (classes 0..2)"), bad::toString);
    }

    @Test
    void layerSizesThatOverflowAreRefusedBeforeAllocating() {
        Cli.Run head = Cli.run("transfer", model, "--head", "1000000000", "--data", data, "--backend", "reference", "-q");
        assertEquals(1, head.code(), head::toString);
        assertTrue(head.err().contains("--head: layer 'output' would have 4 x 1000000000 = 4000000000 weights"), head::toString);
        assertFalse(head.err().contains("internal error"), head::toString);
        Cli.Run hidden = Cli.run("transfer", model, "--head", "3", "--head-hidden", "400000000", "--data", data,
                "--backend", "reference", "-q");
        assertEquals(1, hidden.code(), hidden::toString);
        assertTrue(hidden.err().contains("parameters, needing at least") && hidden.err().contains("GiB"), hidden::toString);
        Cli.Run layers = Cli.run("train", "--layers", "2000000000,3", "--data", data, "--backend", "reference", "-q");
        assertEquals(1, layers.code(), layers::toString);
        assertTrue(layers.err().contains("more than one array can hold"), layers::toString);
    }

    @Test
    void anOverflowElsewhereIsExplainedNotAnInternalError() {
        String line = ErrorHandler.describe(new ArithmeticException("integer overflow"));
        assertTrue(line.contains("too large for one Java array") && !line.contains("internal error"), line);
    }

    @Test
    void trainingOptionsOutOfRangeAreRefused() {
        String[][] cases = {{"--patience", "-1", "--patience must be >= 0"}, {"--per-class", "0", "--per-class must be >= 1"},
            {"--batch", "0", "--batch must be >= 1"}, {"--epochs", "-5", "--epochs must be >= 1"},
            {"--lr", "-0.1", "--lr must be a positive finite number"}, {"--lr", "Infinity", "--lr must be"}};
        for (String[] c : cases) {
            Cli.Run run = Cli.run("train", "--layers", "3", "--data", data, c[0], c[1], "--backend", "reference", "-q");
            assertEquals(1, run.code(), run::toString);
            assertTrue(run.err().contains(c[2]), run::toString);
        }
    }

    @Test
    void aDivergingRunStopsNamingEpochBatchAndTheLearningRate() throws IOException {
        // Labels unrelated to the features: no weights fit them, so a huge rate makes the loss explode.
        java.util.SplittableRandom random = new java.util.SplittableRandom(3);
        StringBuilder csv = new StringBuilder("a,b,label\n");
        for (int i = 0; i < 200; i++) {
            csv.append(random.nextGaussian()).append(',').append(random.nextGaussian()).append(',').append(i % 3).append('\n');
        }
        Path noise = Files.writeString(dir.resolve("noise.csv"), csv);
        Cli.Run run = Cli.run("train", "--layers", "3", "--data", noise, "--lr", "1e30", "--optimizer", "sgd",
                "--backend", "reference", "-q");
        assertEquals(1, run.code(), run::toString);
        assertTrue(run.err().contains("training diverged") && run.err().contains("epoch 1, batch")
                && run.err().contains("lower the learning rate"), run::toString);
    }

    @Test
    void outputPathsThatWouldMisleadAreRefusedBeforeTraining() throws IOException {
        Path file = Files.writeString(dir.resolve("file.txt"), "x");
        Object[][] cases = {
            {"--out", "", "--out is empty"},
            {"--out", dir.resolve("m.h5"), "Graft saves models as .safetensors, not .h5"},
            {"--out", file.resolve("m.safetensors"), file + " is a file, not a folder"},
            {"--export-tf", dir.resolve("model.ckpt"), "takes a folder"},
            {"--export-tf", Files.writeString(dir.resolve("plain"), "x"), "is a file, not a folder"}};
        for (Object[] c : cases) {
            Cli.Run run = Cli.run("train", "--layers", "3", "--data", data, "--epochs", 1, c[0], c[1], "--backend",
                    "reference", "-q");
            assertEquals(1, run.code(), run::toString);
            assertTrue(run.err().contains((String) c[2]), run::toString);
            assertFalse(run.err().contains("already exists"), run::toString);
        }
        assertFalse(Files.exists(Path.of("model.safetensors")) && Files.getLastModifiedTime(Path.of("model.safetensors"))
                .toMillis() > System.currentTimeMillis() - 60_000, "--out '' wrote nothing into the working folder");
        assertFalse(Files.exists(dir.resolve("m.h5")));
    }

    @Test
    void exportTfReplacesItsFolderWholeAndRefusesOneHoldingOtherFiles() throws IOException {
        Path tf = dir.resolve("tf");
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Files.writeString(shared.resolve("notes.txt"), "mine");
        Cli.Run refused = Cli.run("train", "--layers", "3", "--data", data, "--epochs", 1, "--export-tf", shared,
                "--backend", "reference", "-q");
        assertEquals(1, refused.code(), refused::toString);
        assertTrue(refused.err().contains("holds files that are not part of a TF export (notes.txt)"), refused::toString);
        assertEquals("mine", Files.readString(shared.resolve("notes.txt")));

        Model first = Models.load(model).model();
        ModelFiles.exportTf(first, tf);
        Cli.Run second = Cli.run("train", "--layers", "5:relu,3:softmax", "--data", data, "--epochs", 1, "--export-tf", tf,
                "--out", dir.resolve("second.safetensors"), "--backend", "reference", "-q");
        assertEquals(0, second.code(), second::toString);
        Model expected = Models.load(dir.resolve("second.safetensors")).model();
        Model exported = Models.load(tf).model();
        assertEquals(expected.names(), exported.names());
        for (int i = 0; i < expected.size(); i++) {
            assertTrue(((Dense) expected.layer(i)).sameParameters((Dense) exported.layer(i)));
            assertEquals(((Dense) expected.layer(i)).activation(), ((Dense) exported.layer(i)).activation());
        }
        try (var files = Files.list(tf)) {
            assertEquals(List.of("checkpoint", "model.ckpt.data-00000-of-00001", "model.ckpt.index", "model.ckpt.meta"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        try (var siblings = Files.list(dir)) {
            assertFalse(siblings.anyMatch(p -> p.getFileName().toString().contains("graft-")), "no temporary folder left");
        }
    }

    /** A raw IDX file: magic 0x0000080N, the dimensions, then the bytes. */
    static Path idx(Path file, int[] dims, byte[] data) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.putInt(0x800 | dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(data);
        return Files.write(file, b.array());
    }

    @Test
    void idxLabelsOutOfRangeReportTheLabelsPresent() throws IOException {
        Path images = idx(dir.resolve("x-images-idx3-ubyte"), new int[] {4, 2, 2}, new byte[16]);
        Path labels = idx(dir.resolve("x-labels-idx1-ubyte"), new int[] {4}, new byte[] {0, 1, 1, 0});
        Cli.Run run = Cli.run("train", "--layers", "2", "--data", images, "--labels", labels, "--classes", "300",
                "--backend", "reference", "-q");
        assertEquals(1, run.code(), run::toString);
        assertTrue(run.err().contains("the data's labels are 0..1"), run::toString);
        assertFalse(run.err().contains("255"), run::toString);
    }

    @Test
    void anExportKilledBetweenItsRenamesIsNamedWhenRead() throws IOException {
        Path tf = dir.resolve("killed");
        ModelFiles.exportTf(Models.load(model).model(), tf);
        long dead = 4_000_000;
        while (ProcessHandle.of(dead).isPresent()) {
            dead++;
        }
        Path aside = dir.resolve(".killed." + dead + "-1" + dev.graft.io.TempFiles.OLD_SUFFIX);
        Files.move(tf, aside); // what a kill between the two renames of the swap leaves
        Cli.Run run = Cli.run("inspect", tf);
        assertEquals(1, run.code(), run::toString);
        assertTrue(run.err().contains("an export into it was interrupted") && run.err().contains(aside.toString()),
                run::toString);
        ModelFiles.exportTf(Models.load(model).model(), tf);
        assertFalse(Files.exists(aside), "the next export put it back, then replaced it");
        assertEquals(0, Cli.run("inspect", tf).code());
    }

    @Test
    void featurizeWritesAOneUnitTopLayer() throws IOException {
        Model regression = Model.builder(TestData.FEATURES, 3).dense("hidden", 4, Activation.RELU)
                .dense("output", 1, Activation.IDENTITY).build();
        Path file = dir.resolve("regression.safetensors");
        Models.save(regression, file, ModelFormat.GRAFT);
        Path out = dir.resolve("features.csv");
        Cli.Run run = Cli.run("featurize", file, "--through", "output", "--data", data, "--out", out, "--backend", "reference");
        assertEquals(0, run.code(), run::toString);
        List<String> lines = Files.readAllLines(out);
        assertEquals("label,f0", lines.get(0));
        double[] first = rows(data).get(0);
        double expected = Forward.outputs(regression, java.util.Arrays.copyOf(first, first.length - 1))[0];
        assertEquals(expected, Double.parseDouble(lines.get(1).split(",")[1]), 1e-5);
        assertEquals(Files.getPosixFilePermissions(Files.createFile(dir.resolve("umask-reference"))),
                Files.getPosixFilePermissions(out), "features get the umask's permissions, not owner-only");
    }
}
