package dev.graft.loader.keras;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.loader.Fixtures;
import dev.graft.loader.ModelFileException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crafted damage to a convolutional Keras config (the {@code keras3-cnn} fixture's {@code config.json}, weights
 * unchanged): a field removed or given a wrong value (null, zero, negative, huge, a string, a list of the wrong
 * length, an object), a layer's class changed, a layer dropped or repeated, channels-first data. Each file either
 * loads or is refused with a {@link ModelFileException}; nothing else may escape.
 */
class ConvConfigFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ITERATIONS = Integer.getInteger("graft.fuzz.iterations", 300);
    private static final String[] CLASSES = {"Conv2D", "DepthwiseConv2D", "SeparableConv2D", "MaxPooling2D",
        "AveragePooling2D", "GlobalAveragePooling2D", "BatchNormalization", "Flatten", "ZeroPadding2D", "Dense", "ReLU"};

    @Test
    void damagedConfigsLoadOrFailWithModelFileException(@TempDir Path tmp) throws Exception {
        Path seed = Fixtures.repoRoot().resolve("loader/src/test/resources/conv/keras3-cnn/model.keras");
        byte[] weights;
        String config;
        try (ZipFile zip = new ZipFile(seed.toFile())) {
            weights = zip.getInputStream(zip.getEntry("model.weights.h5")).readAllBytes();
            config = new String(zip.getInputStream(zip.getEntry("config.json")).readAllBytes(), StandardCharsets.UTF_8);
        }
        SplittableRandom random = new SplittableRandom(20261130);
        List<String> failures = new ArrayList<>();
        int rejected = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            JsonNode root = JSON.readTree(config);
            String what = mutate((ArrayNode) root.path("config").path("layers"), random);
            Path file = tmp.resolve("m" + i + ".keras");
            write(file, JSON.writeValueAsBytes(root), weights);
            try {
                KerasReader.readArchive(file);
            } catch (ModelFileException expected) {
                rejected++;
            } catch (Throwable other) {
                failures.add("#" + i + " " + what + " -> " + other);
            }
            Files.delete(file);
        }
        System.out.printf("conv config fuzz: %d inputs, %d rejected, %d loaded, %d failures%n", ITERATIONS, rejected,
                ITERATIONS - rejected - failures.size(), failures.size());
        assertTrue(failures.isEmpty(), failures.size() + " failures, first: " + failures.subList(0, Math.min(5, failures.size())));
        assertTrue(rejected > ITERATIONS / 4, "most damage is refused: " + rejected);
    }

    private static String mutate(ArrayNode layers, SplittableRandom r) {
        int at = 1 + r.nextInt(layers.size() - 1);
        ObjectNode layer = (ObjectNode) layers.get(at);
        ObjectNode c = (ObjectNode) layer.path("config");
        List<String> keys = new ArrayList<>();
        c.fieldNames().forEachRemaining(keys::add);
        String key = keys.get(r.nextInt(keys.size()));
        String name = c.path("name").asText();
        switch (r.nextInt(12)) {
            case 0 -> c.remove(key);
            case 1 -> c.putNull(key);
            case 2 -> c.put(key, 0);
            case 3 -> c.put(key, -3);
            case 4 -> c.put(key, Integer.MAX_VALUE);
            case 5 -> c.put(key, "x");
            case 6 -> c.putArray(key).add(3).add(3).add(3);
            case 7 -> c.putObject(key).put("items", 2);
            case 8 -> layer.put("class_name", CLASSES[r.nextInt(CLASSES.length)]);
            case 9 -> layers.remove(at);
            case 10 -> layers.insert(at, layer.deepCopy());
            default -> c.put("data_format", "channels_first");
        }
        return name + "." + key;
    }

    private static void write(Path file, byte[] config, byte[] weights) throws Exception {
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
