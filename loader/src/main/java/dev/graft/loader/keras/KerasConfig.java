package dev.graft.loader.keras;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.Activation;
import dev.graft.ActivationLayer;
import dev.graft.Dense;
import dev.graft.LayerDescription;
import dev.graft.Shape;
import dev.graft.loader.LayerRecipe;
import dev.graft.loader.ModelFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Keras model config (the {@code model_config} attribute of an HDF5 file, or {@code config.json}
 * of a {@code .keras} zip; Keras 1, 2 and 3 spellings) into {@link LayerRecipe}s: Dense and Dropout
 * layers (a Dense recipe lists the parameters it expects, located later from the weights file), with separate activation layers ({@code Activation}, {@code ReLU}, {@code LeakyReLU},
 * {@code ELU}, {@code Softmax}) folded into the Dense layer before them. Only sequential stacks are
 * accepted; anything else is refused with the layer's name.
 */
final class KerasConfig {

    private static final ObjectMapper JSON = new ObjectMapper();

    private KerasConfig() {
    }

    static List<LayerRecipe> parse(Path file, String json) throws ModelFileException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ModelFileException(file, "model_config", "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelFileException(file, "model_config", "not a JSON object");
        }
        String cls = root.path("class_name").asText("");
        JsonNode config = root.path("config");
        JsonNode layers = config.isArray() ? config : config.path("layers");
        if (!(cls.equals("Sequential") || cls.equals("Model") || cls.equals("Functional")) || !layers.isArray()) {
            throw new ModelFileException(file, "model_config", "model class '" + cls
                    + "' with no layer list; only Sequential stacks (and functional models that are chains) are supported");
        }
        List<LayerRecipe> out = new ArrayList<>();
        Integer pendingInput = null;
        String previous = null;
        for (JsonNode layer : layers) {
            String kind = layer.path("class_name").asText("");
            JsonNode c = layer.path("config");
            String name = c.path("name").asText(layer.path("name").asText(""));
            checkChain(file, layer, previous, cls);
            previous = name;
            Integer declaredInput = inputWidth(c);
            switch (kind) {
                case "InputLayer" -> pendingInput = declaredInput;
                case "Dense" -> {
                    int units = c.has("units") ? c.path("units").asInt() : c.path("output_dim").asInt();
                    if (units <= 0) {
                        throw new ModelFileException(file, name, "Dense layer without a positive 'units'");
                    }
                    Map<String, LayerRecipe.Source> expected = new LinkedHashMap<>();
                    expected.put("kernel", new LayerRecipe.Source(null, false));
                    if (c.path("use_bias").asBoolean(c.path("bias").asBoolean(true))) {
                        expected.put("bias", new LayerRecipe.Source(null, false));
                    }
                    Integer input = declaredInput != null ? declaredInput : pendingInput;
                    out.add(new LayerRecipe(name, Dense.describe(units, activation(file, name, c.path("activation").asText("linear"))),
                            c.path("trainable").asBoolean(true), expected, input == null ? null : Shape.vector(input)));
                    pendingInput = null;
                }
                case "Dropout" -> out.add(LayerRecipe.dropout(name, (float) c.path("rate").asDouble(c.path("p").asDouble(0)),
                        c.path("trainable").asBoolean(true)));
                case "Activation" -> fold(file, out, name, activation(file, name, c.path("activation").asText("linear")));
                case "ReLU" -> fold(file, out, name, Activation.RELU);
                case "Softmax" -> fold(file, out, name, Activation.SOFTMAX);
                case "ELU" -> fold(file, out, name, Activation.elu((float) c.path("alpha").asDouble(1.0)));
                case "LeakyReLU" -> fold(file, out, name, leaky(file, name,
                        (float) c.path("negative_slope").asDouble(c.path("alpha").asDouble(0.3))));
                case "Flatten" -> {
                    if (!out.isEmpty()) {
                        throw new ModelFileException(file, name, "Flatten after the first layer is not supported");
                    }
                }
                default -> throw new ModelFileException(file, name, "layer class '" + kind
                        + "' is not supported (Graft models are stacks of Dense, Dropout and activation layers)");
            }
        }
        if (out.stream().noneMatch(KerasConfig::isDense)) {
            throw new ModelFileException(file, "model_config", "the model has no Dense layer");
        }
        return out;
    }

    private static void checkChain(Path file, JsonNode layer, String previous, String cls) throws ModelFileException {
        JsonNode inbound = layer.path("inbound_nodes");
        if (cls.equals("Sequential") || !inbound.isArray() || inbound.isEmpty()) {
            return;
        }
        String text = inbound.toString();
        if (inbound.size() > 1 || previous == null || !text.contains("\"" + previous + "\"")) {
            throw new ModelFileException(file, layer.path("config").path("name").asText(""),
                    "functional model is not a simple chain (inbound nodes " + text + ")");
        }
    }

    private static Integer inputWidth(JsonNode c) {
        for (String key : new String[] {"batch_input_shape", "batch_shape"}) {
            JsonNode s = c.path(key);
            if (s.isObject()) {
                s = s.path("items");
            }
            if (s.isArray() && s.size() == 2 && s.get(1).canConvertToInt()) {
                return s.get(1).asInt();
            }
        }
        return c.path("input_dim").canConvertToInt() && c.path("input_dim").asInt() > 0 ? c.path("input_dim").asInt() : null;
    }

    static boolean isDense(LayerRecipe recipe) {
        return recipe.description().type().equals(Dense.TYPE);
    }

    private static void fold(Path file, List<LayerRecipe> out, String name, Activation act) throws ModelFileException {
        if (act.kind() == Activation.Kind.IDENTITY) {
            return; // a linear Activation layer changes nothing
        }
        int last = out.size() - 1;
        if (last < 0) {
            throw new ModelFileException(file, name, "activation layer before any Dense layer");
        }
        LayerRecipe below = out.get(last);
        if (isDense(below) && Activation.parse(below.description().string("activation")).kind() == Activation.Kind.IDENTITY) {
            out.set(last, below.withDescription(below.description().replacing("activation", act.toString())));
        } else {
            // After a dropout, or a Dense that already has an activation: a layer of its own, as in the file.
            out.add(new LayerRecipe(name, LayerDescription.of(ActivationLayer.TYPE).with("activation", act.toString()),
                    below.trainable(), java.util.Map.of(), null));
        }
    }

    private static Activation leaky(Path file, String name, float slope) throws ModelFileException {
        try {
            return Activation.leakyRelu(slope);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, name, e.getMessage(), e);
        }
    }

    private static Activation activation(Path file, String layer, String name) throws ModelFileException {
        try {
            return Activation.parse(name);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, layer, "activation '" + name + "' is not supported: " + e.getMessage(), e);
        }
    }
}
