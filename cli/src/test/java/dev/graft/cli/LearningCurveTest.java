package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code graft demo --curve}: scratch vs transfer for the MLP and the CNN, as JSON, a table and a PNG. */
class LearningCurveTest {

    @TempDir
    Path dir;

    @Test
    void curveHasEverySeriesAtEveryCountAndBeatsChance() throws IOException {
        Path png = dir.resolve("curve.png");
        Cli.Run run = Cli.run("--json", "demo", "--source-samples", 500, "--source-epochs", 1, "--per-class", 3, "--epochs", 2,
                "--timing-samples", 100, "--curve", "--curve-counts", "20", "--curve-seeds", 2, "--curve-plot", png,
                "--out", dir.resolve("demo"), "--backend", "reference", "--progress", "none");
        assertEquals(0, run.code(), run::toString);
        JsonNode curve = run.json().get("learningCurve");
        assertEquals(4, curve.size(), curve::toString);
        Set<String> series = new HashSet<>();
        for (JsonNode p : curve) {
            series.add(p.get("family").asText() + " " + p.get("mode").asText());
            assertEquals(20, p.get("perClass").asInt());
            double mean = p.get("meanAccuracy").asDouble();
            assertTrue(p.get("minAccuracy").asDouble() <= mean && mean <= p.get("maxAccuracy").asDouble(), p::toString);
            assertTrue(mean > 0.35, "5 classes, chance is 0.2: " + p);
        }
        assertEquals(Set.of("MLP scratch", "MLP transfer", "CNN scratch", "CNN transfer"), series);
        assertTrue(run.json().get("cnnEpochSecondsCached").asDouble() > 0);
        byte[] head = Arrays.copyOf(Files.readAllBytes(png), 4);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, head);
    }
}
