package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.loader.Models;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo on a shortened schedule (real data, real files), and backend discovery as the CLI shows it. */
class DemoAndBackendsTest {

    @TempDir
    Path dir;

    @Test
    void demoRunsTheSeedScenarioAndWritesReloadableModels() throws IOException {
        Path out = dir.resolve("demo");
        Path plot = dir.resolve("demo.png");
        Cli.Run run = Cli.run("demo", "--no-curve", "--source-samples", 400, "--source-epochs", 1, "--per-class", 5, "--epochs", 3, "--timing-samples", 300,
                "--out", out, "--plot", plot, "--backend", "reference", "--progress", "none");
        assertEquals(0, run.code(), run::toString);
        String text = run.out();
        for (String expected : new String[] {"from scratch", "transferred", "test accuracy, classes 5-9",
                "epoch over 300 images (batch 64), cached", "x faster", "weights identical: yes", "hidden1 and hidden2 frozen", "backend: reference",
                out.resolve("transferred").resolve("model.safetensors").toString()}) {
            assertTrue(text.contains(expected), "'" + expected + "' in\n" + run);
        }
        Model original = Models.load(out.resolve("original")).model();
        assertEquals(java.util.List.of("hidden1", "hidden2", "hidden3", "output"), original.names());
        assertEquals(784, original.inputWidth());
        Model transferred = Models.load(out.resolve("transferred/model.safetensors")).model();
        Model transferredTf = Models.load(out.resolve("transferred-tf/model.ckpt")).model();
        assertFalse(transferred.layer("hidden1").trainable());
        assertFalse(transferred.layer("hidden2").trainable());
        assertTrue(transferred.layer("hidden3").trainable());
        for (String frozen : new String[] {"hidden1", "hidden2"}) {
            assertTrue(((Dense) transferred.layer(frozen)).sameParameters((Dense) original.layer(frozen)), frozen);
        }
        assertFalse(((Dense) transferred.layer("hidden3")).sameParameters((Dense) original.layer("hidden3")));
        for (int i = 0; i < transferred.size(); i++) {
            assertTrue(((Dense) transferred.layer(i)).sameParameters((Dense) transferredTf.layer(i)));
        }
        assertTrue(Files.size(plot) > 5_000, "plot written");

        // The transferred model scores on the bundled test images through 'graft evaluate' as the demo said.
        Path data = Cli.repoRoot().resolve("data/fashion-mnist");
        JsonNode eval = Cli.run("--json", "evaluate", out.resolve("transferred"), "--data", data,
                "--classes", "5,6,7,8,9", "--backend", "reference").json();
        String accuracy = Tables.percent(eval.get("accuracy").asDouble());
        assertTrue(text.matches("(?s).*test accuracy, classes 5-9 \\(" + eval.get("samples").asInt()
                + " images\\)\\s+\\S+\\s+" + java.util.regex.Pattern.quote(accuracy) + ".*"), accuracy + " in\n" + text);
    }

    @Test
    void demoJsonReportsBothAccuracies() {
        Cli.Run run = Cli.run("--json", "demo", "--no-curve", "--source-samples", 200, "--source-epochs", 1, "--per-class", 3,
                "--epochs", 2, "--timing-samples", 100, "--out", dir.resolve("d"), "--backend", "reference");
        assertEquals(0, run.code(), run::toString);
        JsonNode j = run.json();
        for (String key : new String[] {"transferredAccuracy", "scratchAccuracy"}) {
            double a = j.get(key).asDouble();
            assertTrue(a >= 0 && a <= 1, key + " " + a);
        }
        assertEquals(15, j.get("labelledImages").asInt());
        assertTrue(j.get("checkpointReloadIdentical").asBoolean());
        assertEquals("[\"hidden1\",\"hidden2\"]", j.get("frozen").toString());
        assertTrue(j.get("cachedVsUncachedMaxWeightDifference").asDouble() < 1e-5);
        assertEquals(100, j.get("timing").get("samples").asInt());
        assertTrue(j.get("timing").get("cachedEpochSeconds").asDouble() > 0);
        assertTrue(run.err().isEmpty(), "--json prints nothing else: " + run.err());
    }

    @Test
    void backendsListsWhatIsPresentAndWhy() {
        Cli.Run run = Cli.run("backends");
        assertEquals(0, run.code(), run::toString);
        assertTrue(run.out().matches("(?s).*reference\\s+0\\s+available.*"), run::toString);
        assertTrue(run.out().contains("auto picks: "), run::toString);
        JsonNode j = Cli.run("--json", "backends").json();
        boolean sawReference = false;
        for (JsonNode b : j.get("backends")) {
            assertFalse(b.get("detail").asText().isBlank(), "every backend says why: " + b);
            if (b.get("name").asText().equals("reference")) {
                sawReference = b.get("available").asBoolean();
            }
        }
        assertTrue(sawReference);
        assertFalse(j.get("auto").isNull());
    }

    @Test
    void versionAndHelp() {
        Cli.Run help = Cli.run("transfer", "--help");
        assertEquals(0, help.code());
        for (String option : new String[] {"--keep", "--freeze", "--head", "--head-hidden", "--cache", "--export-tf",
                "--patience", "--validation", "--plot", "--per-class", "--classes"}) {
            assertTrue(help.out().contains(option), option + " in help");
        }
        assertEquals(0, Cli.run("--version").code());
    }
}
