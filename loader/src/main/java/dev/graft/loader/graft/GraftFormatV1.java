package dev.graft.loader.graft;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Dropout;
import dev.graft.Layer;
import dev.graft.Shape;
import dev.graft.loader.ModelFileException;

/**
 * Reads the layers of Graft format version 1 (before layers described themselves): dense layers
 * with {@code inputWidth}, {@code outputWidth} and {@code activation}, tensors
 * {@code <layer>.kernel} and {@code <layer>.bias}; dropout layers with {@code width} and {@code rate}.
 */
final class GraftFormatV1 {

    private GraftFormatV1() {
    }

    static Layer layer(Safetensors.Contents contents, JsonNode l, Shape below) throws ModelFileException {
        String name = l.path("name").asText();
        boolean trainable = l.path("trainable").asBoolean(true);
        return switch (l.path("type").asText()) {
            case "dense" -> {
                int in = l.path("inputWidth").asInt();
                int out = l.path("outputWidth").asInt();
                float[] w = contents.floats(name + ".kernel", new long[] {in, out});
                float[] b = contents.floats(name + ".bias", new long[] {out});
                yield new Dense(name, in, out, Activation.parse(l.path("activation").asText("identity")), w, b, trainable);
            }
            case "dropout" -> new Dropout(name, l.path("width").asInt(), (float) l.path("rate").asDouble(), trainable);
            default -> throw new IllegalArgumentException("unknown layer type " + l.path("type") + " in a version-1 Graft file");
        };
    }
}
