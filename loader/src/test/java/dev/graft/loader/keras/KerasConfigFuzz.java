package dev.graft.loader.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.loader.ModelFileException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * The loop the Keras config fuzz tests share: a {@code .keras} archive's {@code config.json} is damaged
 * {@link #ITERATIONS} times (its weights unchanged), each damaged archive is read, and what is refused with a
 * {@link ModelFileException} is told apart from anything else that escapes.
 */
final class KerasConfigFuzz {

    static final int ITERATIONS = Integer.getInteger("graft.fuzz.iterations", 300);

    private static final ObjectMapper JSON = new ObjectMapper();

    private KerasConfigFuzz() {
    }

    /** Damages a freshly parsed config in place and says what it did (for failure messages). */
    interface Damage {
        String apply(JsonNode root);
    }

    /** How many damaged archives were refused with a {@link ModelFileException}, and what else escaped, per input. */
    record Outcome(int rejected, List<String> failures) {
        int loaded() {
            return ITERATIONS - rejected - failures.size();
        }
    }

    /** Reads {@link #ITERATIONS} damaged copies of {@code archive}, each written to {@code tmp} and deleted after. */
    static Outcome run(Path archive, Path tmp, Damage damage) throws Exception {
        byte[] weights;
        String config;
        try (ZipFile zip = new ZipFile(archive.toFile())) {
            weights = zip.getInputStream(zip.getEntry("model.weights.h5")).readAllBytes();
            config = new String(zip.getInputStream(zip.getEntry("config.json")).readAllBytes(), StandardCharsets.UTF_8);
        }
        List<String> failures = new ArrayList<>();
        int rejected = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            JsonNode root = JSON.readTree(config);
            String what = damage.apply(root);
            Path file = tmp.resolve("m" + i + ".keras");
            writeArchive(file, JSON.writeValueAsBytes(root), weights);
            try {
                KerasReader.readArchive(file);
            } catch (ModelFileException expected) {
                rejected++;
            } catch (Throwable other) {
                failures.add("#" + i + " " + what + " -> " + other);
            }
            Files.delete(file);
        }
        return new Outcome(rejected, failures);
    }

    private static void writeArchive(Path file, byte[] config, byte[] weights) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("config.json"));
            zip.write(config);
            zip.putNextEntry(new ZipEntry("model.weights.h5"));
            zip.write(weights);
        }
        Files.write(file, bytes.toByteArray());
    }
}
