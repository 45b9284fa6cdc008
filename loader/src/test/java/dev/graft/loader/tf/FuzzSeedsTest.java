package dev.graft.loader.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.graft.loader.Fixtures;
import dev.graft.loader.Models;
import dev.graft.loader.fuzz.ModelOracle;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The committed fuzz seeds load, in every format, as the same model. With {@code -Dgraft.fuzz.writeSeeds=true}
 * they are (re)written first from {@link FuzzSeeds}.
 */
class FuzzSeedsTest {

    @Test
    void everySeedLoadsAsTheSameModel() throws Exception {
        Path corpus = Fixtures.repoRoot().resolve("loader/src/test/resources/fuzz");
        if (Boolean.getBoolean("graft.fuzz.writeSeeds")) {
            for (String f : FuzzSeeds.FORMATS) {
                Path dir = corpus.resolve(f).resolve("seed");
                Files.createDirectories(dir);
                FuzzSeeds.write(f, dir);
            }
        }
        String expected = null;
        for (String f : FuzzSeeds.FORMATS) {
            if (f.endsWith("-conv")) {
                // Written by Keras/TF: the very files ConvFixturesTest checks against the framework's outputs.
                Path seed = corpus.resolve(f).resolve("seed");
                Path generated = Fixtures.repoRoot().resolve("loader/src/test/resources/conv").resolve(
                        f.equals("keras-h5-conv") ? "keras3-cnn-h5" : f.equals("keras-archive-conv") ? "keras3-cnn" : "tf1-batchnorm");
                try (var files = Files.list(seed)) {
                    for (Path file : files.toList()) {
                        assertEquals(-1L, Files.mismatch(file, generated.resolve(file.getFileName())), file.toString());
                    }
                }
                continue;
            }
            var model = Models.load(FuzzSeeds.entry(f, corpus.resolve(f).resolve("seed"))).model();
            // Trainability is not in a TF graph: compare the rest.
            String shape = ModelOracle.architecture(model).replace(" frozen", "").replace(" trainable", "");
            assertEquals("5 -> Dense hidden 5x7 relu -> Dense output 7x3 softmax", shape, f);
            if (expected == null) {
                expected = shape;
            }
        }
    }
}
