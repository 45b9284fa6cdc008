package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.Model;
import dev.graft.loader.Models;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code graft predict} against an independent forward pass, and the CLI details a user meets first:
 * {@code --version}, errors under {@code --json}, the XDG cache directory, SLF4J's binding.
 */
class PredictAndPackagingTest {

    @TempDir
    Path dir;

    private Path trainedModel() throws IOException {
        Path train = TestData.clusters(dir.resolve("train.csv"), 120, 1);
        Path model = dir.resolve("m.safetensors");
        Cli.Run run = Cli.run("train", "--layers", "6:relu,3", "--data", train, "--epochs", 3, "--backend", "reference",
                "--out", model, "--quiet");
        assertEquals(0, run.code(), run::toString);
        return model;
    }

    /** The CSV's feature rows (the 'label' column dropped), as the test computes them itself. */
    private static List<double[]> features(Path csv) throws IOException {
        return Files.readAllLines(csv).stream().skip(1).map(line -> {
            String[] cells = line.split(",");
            double[] x = new double[cells.length - 1];
            for (int i = 0; i < x.length; i++) {
                x[i] = Double.parseDouble(cells[i]);
            }
            return x;
        }).toList();
    }

    @Test
    void predictWritesClassesAndProbabilitiesAsCsvAndJson() throws IOException {
        Path model = trainedModel();
        Path data = TestData.clusters(dir.resolve("new.csv"), 30, 7);
        Model m = Models.load(model).model();
        List<double[]> rows = features(data);

        Path csv = dir.resolve("preds.csv");
        Cli.Run run = Cli.run("predict", model, "--data", data, "--label-column", "label", "--out", csv, "--top-k", 2,
                "--backend", "reference");
        assertEquals(0, run.code(), run::toString);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("sample,predicted,p0,p1,p2,top1,score1,top2,score2", lines.get(0));
        assertEquals(31, lines.size());
        for (int s = 0; s < rows.size(); s++) {
            double[] logits = Forward.outputs(m, rows.get(s));
            double max = Math.max(logits[0], Math.max(logits[1], logits[2]));
            double sum = 0;
            for (double v : logits) {
                sum += Math.exp(v - max);
            }
            String[] cells = lines.get(s + 1).split(",");
            assertEquals(Forward.argMax(logits), Integer.parseInt(cells[1]), "sample " + s);
            for (int c = 0; c < 3; c++) {
                assertEquals(Math.exp(logits[c] - max) / sum, Double.parseDouble(cells[2 + c]), 1e-5, "p" + c + " of sample " + s);
            }
            assertEquals(cells[1], cells[5], "top1 is the predicted class");
        }

        Path json = dir.resolve("preds.json");
        Path unlabelled = dir.resolve("features.csv");
        Files.write(unlabelled, Files.readAllLines(data).stream().map(l -> l.substring(0, l.lastIndexOf(','))).toList());
        run = Cli.run("predict", model, "--data", unlabelled, "--out", json, "--backend", "reference", "--json");
        assertEquals(0, run.code(), run::toString);
        assertEquals(30, run.json().get("samples").asInt());
        JsonNode written = new ObjectMapper().readTree(json.toFile());
        assertEquals("logits", written.get("outputs").asText());
        for (int s = 0; s < rows.size(); s++) {
            assertEquals(Forward.argMax(Forward.outputs(m, rows.get(s))), written.get("predictions").get(s).get("predicted").asInt());
        }
    }

    @Test
    void predictOnIdxImagesNeedsNoLabels() throws IOException {
        Path images = Cli.repoRoot().resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz");
        Path model = dir.resolve("pixels.safetensors");
        Models.save(Model.builder(784, 1).dense("out", 4, dev.graft.Activation.SOFTMAX).build(), model,
                dev.graft.loader.ModelFormat.GRAFT);
        Path out = dir.resolve("p.csv");
        Cli.Run run = Cli.run("predict", model, "--data", images, "--out", out, "--backend", "reference", "--quiet");
        assertEquals(0, run.code(), run::toString);
        assertEquals(2001, Files.readAllLines(out).size());
    }

    @Test
    void versionIsTheProjectVersion() {
        Cli.Run run = Cli.run("--version");
        assertEquals(0, run.code());
        String expected = System.getProperty("graft.version");
        Assumptions.assumeTrue(expected != null, "surefire passes graft.version");
        assertTrue(run.out().startsWith("graft " + expected + "\n") || run.out().startsWith("graft " + expected + "\r"), run.out());
    }

    @Test
    void errorsUnderJsonAreJson() throws IOException {
        Cli.Run run = Cli.run("--json", "inspect", dir.resolve("missing.safetensors"));
        assertEquals(1, run.code());
        JsonNode j = run.json();
        assertTrue(j.get("error").asText().contains("no such model"), run.toString());
        assertEquals(1, j.get("exitCode").asInt());
        Cli.Run usage = Cli.run("--json", "predict", "--nonsense");
        assertEquals(2, usage.code());
        assertEquals(2, usage.json().get("exitCode").asInt(), usage::toString);
        assertTrue(usage.err().startsWith("predict: "), "the message still goes to standard error too: " + usage);
    }

    @Test
    void cacheDirectoryFollowsGraftThenXdgThenHome() {
        assertEquals(Path.of("/g"), CacheOption.defaultDirectory("/g", "/x", "/h"));
        assertEquals(Path.of("/x/graft"), CacheOption.defaultDirectory(null, "/x", "/h"));
        assertEquals(Path.of("/x/graft"), CacheOption.defaultDirectory("", "/x", "/h"));
        assertEquals(Path.of("/h/.cache/graft"), CacheOption.defaultDirectory(null, "relative/dir", "/h"), "relative XDG paths are ignored");
        assertEquals(Path.of("/h/.cache/graft"), CacheOption.defaultDirectory(null, null, "/h"));
    }

    @Test
    void jhdfsSlf4jLogsHaveABindingAndKerasInspectPrintsNoSlf4jWarning() throws IOException, InterruptedException {
        assertTrue(ServiceLoader.load(org.slf4j.spi.SLF4JServiceProvider.class).findFirst().isPresent(),
                "an SLF4J provider is on the CLI's class path");
        Path h5 = Path.of(System.getProperty("graft.repoRoot", "..")).resolve("../shared/fixtures/keras2-h5-kmotohas-iris/iris_model.h5");
        Assumptions.assumeTrue(Files.isRegularFile(h5), "fixture absent: " + h5);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Graft.class.getName(), "inspect", h5.toString())
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        assertTrue(out.contains("Dense") || out.contains("dense"), out);
        assertFalse(err.contains("SLF4J"), err);
    }
}
