package dev.graft.loader.keras;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.Activation;
import dev.graft.loader.ModelFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a Keras model config (the {@code model_config} attribute of an HDF5 file, or {@code config.json}
 * of a {@code .keras} zip; Keras 1, 2 and 3 spellings) into a plain layer list: Dense and Dropout
 * layers, with separate activation layers ({@code Activation}, {@code ReLU}, {@code LeakyReLU},
 * {@code ELU}, {@code Softmax}) folded into the Dense layer before them. Only sequential stacks are
 * accepted; anything else is refused with the layer's name.
 */
final class KerasConfig {

    /** One layer of the stack; {@code units == 0} for dropout. */
    record Spec(String name, boolean dense, int units, Activation activation, boolean useBias, boolean trainable,
                float rate, Integer inputWidth) {
        Spec withActivation(Activation a) {
            return new Spec(name, dense, units, a, useBias, trainable, rate, inputWidth);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private KerasConfig() {
    }

    static List<Spec> parse(Path file, String json) throws ModelFileException {
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
        List<Spec> out = new ArrayList<>();
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
                    out.add(new Spec(name, true, units, activation(file, name, c.path("activation").asText("linear")),
                            c.path("use_bias").asBoolean(c.path("bias").asBoolean(true)), c.path("trainable").asBoolean(true),
                            0f, declaredInput != null ? declaredInput : pendingInput));
                    pendingInput = null;
                }
                case "Dropout" -> out.add(new Spec(name, false, 0, Activation.IDENTITY, false,
                        c.path("trainable").asBoolean(true), (float) c.path("rate").asDouble(c.path("p").asDouble(0)), null));
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
        if (out.stream().noneMatch(Spec::dense)) {
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

    private static void fold(Path file, List<Spec> out, String name, Activation act) throws ModelFileException {
        if (act.kind() == Activation.Kind.IDENTITY) {
            return; // a linear Activation layer changes nothing
        }
        int last = out.size() - 1;
        if (last < 0 || !out.get(last).dense()) {
            throw new ModelFileException(file, name, "activation layer does not follow a Dense layer");
        }
        if (out.get(last).activation().kind() != Activation.Kind.IDENTITY) {
            throw new ModelFileException(file, name, "activation layer follows Dense '" + out.get(last).name()
                    + "' which already has activation " + out.get(last).activation());
        }
        out.set(last, out.get(last).withActivation(act));
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
