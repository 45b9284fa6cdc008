package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gets one clear line on stderr and a non-zero exit code; --debug adds the stack trace. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorsTest {

    @TempDir
    static Path dir;
    Path data;
    Path model;

    @BeforeAll
    void makeModel() throws IOException {
        data = TestData.clusters(dir.resolve("data.csv"), 60, 1);
        model = dir.resolve("m.safetensors");
        Cli.Run run = Cli.run("train", "--layers", "4,3", "--data", data, "--epochs", 1, "--out", model,
                "--backend", "reference", "-q");
        assertEquals(0, run.code(), run::toString);
    }

    private static void assertOneLine(Cli.Run run, int code, String... fragments) {
        assertEquals(code, run.code(), run::toString);
        String err = run.err().strip();
        assertEquals(1, err.lines().count(), "one line:\n" + run);
        for (String f : fragments) {
            assertTrue(err.contains(f), "'" + f + "' in: " + err);
        }
        assertFalse(err.contains("\tat "), "no stack trace without --debug");
    }

    @Test
    void missingModelFile() {
        Path missing = dir.resolve("nope.safetensors");
        assertOneLine(Cli.run("inspect", missing), 1, "no such model: " + missing, "give a TF checkpoint");
    }

    @Test
    void missingDataFile() {
        Path missing = dir.resolve("nope.csv");
        assertOneLine(Cli.run("evaluate", model, "--data", missing, "--backend", "reference"), 1,
                "no such file or directory: " + missing);
    }

    @Test
    void corruptModelFileNamesTheFile() throws IOException {
        Path bad = dir.resolve("bad.safetensors");
        Files.write(bad, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        assertOneLine(Cli.run("inspect", bad), 1, bad.toString());
    }

    @Test
    void wrongLayerNameListsTheRealOnes() {
        assertOneLine(Cli.run("transfer", model, "--keep", "hidden9", "--head", "2", "--data", data, "--backend", "reference"),
                1, "--keep hidden9", "no layer named 'hidden9'", "hidden1, output");
        assertOneLine(Cli.run("transfer", model, "--keep", "hidden1", "--freeze", "output", "--head", "2", "--data", data,
                "--backend", "reference"), 1, "--freeze output is above --keep hidden1");
        assertOneLine(Cli.run("featurize", model, "--through", "nope", "--data", data, "--out", dir.resolve("f.csv")),
                1, "no layer named 'nope'");
    }

    @Test
    void shapeMismatchNamesLayerAndWidths() throws IOException {
        Path narrow = TestData.clusters(dir.resolve("narrow.csv"), 30, 5, 3);
        assertOneLine(Cli.run("evaluate", model, "--data", narrow, "--backend", "reference"), 1,
                "--data has 5 features", "'hidden1' takes 8", "use data with 8 features");
        assertOneLine(Cli.run("transfer", model, "--keep", "hidden1", "--head", "2", "--data", narrow,
                "--backend", "reference"), 1, "5 features", "takes 8");
        assertOneLine(Cli.run("transfer", model, "--keep", "hidden1", "--head", "2", "--data", data,
                "--backend", "reference"), 1, "3 classes", "has 2 units", "--classes");
    }

    @Test
    void unknownBackend() {
        assertOneLine(Cli.run("evaluate", model, "--data", data, "--backend", "nosuch"), 1,
                "no backend named 'nosuch'", "graft backends");
    }

    @Test
    void badLayerNotationAndOptionValues() {
        assertOneLine(Cli.run("train", "--layers", "300:relux,5", "--data", data), 1, "unknown activation 'relux'");
        assertOneLine(Cli.run("train", "--layers", "abc", "--data", data), 1, "'abc' is not a layer width");
        assertOneLine(Cli.run("train", "--layers", "4,3", "--data", data, "--validation", "1.5", "--backend", "reference"),
                1, "--validation must be in [0, 1)");
        assertOneLine(Cli.run("train", "--layers", "4,3", "--data", data, "--lr", "-1", "--backend", "reference"),
                1, "learning rate");
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertOneLine(Cli.run("transfer"), 2, "Missing required");
        assertOneLine(Cli.run("train", "--layers", "4", "--data", data, "--optimizer", "rmsprop"), 2, "--optimizer");
        assertOneLine(Cli.run("frobnicate"), 2, "Unmatched argument");
    }

    @Test
    void debugAddsTheStackTrace() {
        Cli.Run run = Cli.run("--debug", "inspect", dir.resolve("nope.safetensors"));
        assertEquals(1, run.code());
        assertTrue(run.err().contains("\tat dev.graft.cli."), run::toString);
    }
}
