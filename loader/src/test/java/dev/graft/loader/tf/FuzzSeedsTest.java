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
            if (FuzzSeeds.source(f) != null) {
                // Written by Keras/TF: the very files ConvFixturesTest / TfGraphFixturesTest check against the framework.
                Path seed = corpus.resolve(f).resolve("seed");
                Path generated = Fixtures.repoRoot().resolve("loader/src/test/resources").resolve(FuzzSeeds.source(f));
                for (String file : FuzzSeeds.seedFiles(f)) {
                    assertEquals(-1L, Files.mismatch(seed.resolve(file), generated.resolve(file)), seed.resolve(file).toString());
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
