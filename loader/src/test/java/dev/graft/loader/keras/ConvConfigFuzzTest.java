package dev.graft.loader.keras;

import static dev.graft.loader.keras.KerasConfigFuzz.ITERATIONS;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.loader.Fixtures;
import dev.graft.loader.ModelFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crafted damage to a convolutional Keras config (the {@code keras3-cnn} fixture's {@code config.json}, weights
 * unchanged): a field removed or given a wrong value (null, zero, negative, huge, a string, a list of the wrong
 * length, an object), a layer's class changed, a layer dropped or repeated, channels-first data. Each file either
 * loads or is refused with a {@link ModelFileException}; nothing else may escape.
 */
class ConvConfigFuzzTest {

    private static final String[] CLASSES = {"Conv2D", "DepthwiseConv2D", "SeparableConv2D", "MaxPooling2D",
        "AveragePooling2D", "GlobalAveragePooling2D", "BatchNormalization", "Flatten", "ZeroPadding2D", "Dense", "ReLU"};

    @Test
    void damagedConfigsLoadOrFailWithModelFileException(@TempDir Path tmp) throws Exception {
        Path seed = Fixtures.repoRoot().resolve("loader/src/test/resources/conv/keras3-cnn/model.keras");
        SplittableRandom random = new SplittableRandom(20261130);
        KerasConfigFuzz.Outcome outcome = KerasConfigFuzz.run(seed, tmp,
                root -> mutate((ArrayNode) root.path("config").path("layers"), random));
        List<String> failures = outcome.failures();
        int rejected = outcome.rejected();
        System.out.printf("conv config fuzz: %d inputs, %d rejected, %d loaded, %d failures%n", ITERATIONS, rejected,
                outcome.loaded(), failures.size());
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
}
