package dev.graft.loader.graft;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.Activation;
import dev.graft.Shape;
import dev.graft.loader.LayerRecipe;
import java.util.Map;

/**
 * Reads the layers of Graft format version 1 (before layers described themselves): dense layers
 * with {@code inputWidth}, {@code outputWidth} and {@code activation}, tensors
 * {@code <layer>.kernel} and {@code <layer>.bias}; dropout layers with {@code width} and {@code rate}.
 */
final class GraftFormatV1 {

    private GraftFormatV1() {
    }

    static LayerRecipe recipe(JsonNode l) {
        String name = l.path("name").asText();
        boolean trainable = l.path("trainable").asBoolean(true);
        return switch (l.path("type").asText()) {
            case "dense" -> LayerRecipe.dense(name, GraftFormat.positive(l.path("outputWidth"), "outputWidth"),
                    Activation.parse(l.path("activation").asText("identity")), name + ".kernel", name + ".bias", false, trainable,
                    Shape.vector(GraftFormat.positive(l.path("inputWidth"), "inputWidth")));
            case "dropout" -> LayerRecipe.dropout(name, (float) l.path("rate").asDouble(), trainable)
                    .withInputShape(Shape.vector(GraftFormat.positive(l.path("width"), "width")));
            default -> throw new IllegalArgumentException("unknown layer type " + l.path("type") + " in a version-1 Graft file");
        };
    }

    /** The stored shapes of version-1 tensors, which the layer entries imply: {@code [in, out]} kernels, {@code [out]} biases. */
    static void shapes(JsonNode root, Map<String, Shape> shapes) {
        for (JsonNode l : root.path("layers")) {
            if (l.path("type").asText().equals("dense")) {
                String name = l.path("name").asText();
                int in = l.path("inputWidth").asInt();
                int out = l.path("outputWidth").asInt();
                shapes.put(name + ".kernel", Shape.of(in, out));
                shapes.put(name + ".bias", Shape.vector(out));
            }
        }
    }
}
