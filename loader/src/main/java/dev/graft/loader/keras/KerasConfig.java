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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Keras model config (the {@code model_config} attribute of an HDF5 file, {@code config.json} of a
 * {@code .keras} zip, or {@code model.to_json()}; Keras 1, 2 and 3 spellings) into {@link Entry entries}: a
 * {@link LayerRecipe} per Graft layer and the weight group its parameters are stored in. Dense, Dropout,
 * convolution, pooling, padding, flatten and batch-norm layers translate one to one ({@link KerasLayers});
 * separate activation layers ({@code Activation}, {@code ReLU}, {@code LeakyReLU}, {@code ELU},
 * {@code Softmax}) are folded into the Dense or convolution before them; a {@code Sequential} nested in a
 * {@code Sequential} is flattened into the chain. Only chains are accepted; anything else is refused with
 * the layer's name.
 */
final class KerasConfig {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Where a layer's weights are stored. {@code legacyGroup}: the top-level layer's group in a legacy HDF5
     * file ({@code model_weights/<name>}, whose {@code weight_names} list a nested model's weights in order);
     * {@code byClass}: the Keras 3 archive path (layers are keyed by snake-cased class name and a counter, not by
     * their configured names), outermost first; {@code byName}: the same path by configured names (tf.keras 2.13+
     * {@code .keras} files, under {@code _layer_checkpoint_dependencies}).
     */
    record WeightGroup(String legacyGroup, List<String> byClass, List<String> byName) {
    }

    /** One Graft layer: its recipe (parameters listed in Keras's storage order) and its weight group, or null if it has none. */
    record Entry(LayerRecipe recipe, WeightGroup group) {
    }

    private KerasConfig() {
    }

    static List<Entry> parse(Path file, String json) throws ModelFileException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ModelFileException(file, "model_config", "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelFileException(file, "model_config", "not a JSON object");
        }
        Parser p = new Parser(file);
        p.model(root, null, List.of(), List.of(), true);
        if (p.out.isEmpty()) {
            throw new ModelFileException(file, "model_config", "the model has no layers");
        }
        return p.out;
    }

    private static final class Parser {
        final Path file;
        final List<Entry> out = new ArrayList<>();
        /** Per-sample rank of the activations so far (3 for images, 1 for vectors), null when unknown. */
        Integer rank;
        Shape pendingInput;

        Parser(Path file) {
            this.file = file;
        }

        void model(JsonNode root, String legacyGroup, List<String> byClass, List<String> byName, boolean trainable)
                throws ModelFileException {
            String cls = root.path("class_name").asText("");
            JsonNode config = root.path("config");
            JsonNode layers = config.isArray() ? config : config.path("layers");
            if (!(cls.equals("Sequential") || cls.equals("Model") || cls.equals("Functional")) || !layers.isArray()) {
                throw new ModelFileException(file, "model_config", "model class '" + cls
                        + "' with no layer list; only Sequential stacks (and functional models that are chains) are supported");
            }
            boolean modelTrainable = trainable && config.path("trainable").asBoolean(true);
            Map<String, Integer> used = new HashMap<>();
            String previous = null;
            for (JsonNode layer : layers) {
                String kind = layer.path("class_name").asText("");
                JsonNode c = layer.path("config");
                String name = c.path("name").asText(layer.path("name").asText(""));
                checkChain(layer, previous, cls);
                previous = name;
                // Keras 3 archives key layers by class; a Sequential's InputLayer is not among them.
                boolean keyed = !(kind.equals("InputLayer") && cls.equals("Sequential"));
                String classKey = keyed ? unique(snakeCase(kind), used) : "(input)";
                String group = legacyGroup != null ? legacyGroup : name;
                List<String> cPath = append(byClass, classKey);
                List<String> nPath = append(byName, name);
                boolean layerTrainable = modelTrainable && c.path("trainable").asBoolean(true);
                if (kind.equals("Sequential") || kind.equals("Functional") || kind.equals("Model")) {
                    declare(c);
                    model(layer, group, cPath, nPath, layerTrainable);
                    continue;
                }
                layer(kind, name, c, new WeightGroup(group, cPath, nPath), layerTrainable);
            }
        }

        void layer(String kind, String name, JsonNode c, WeightGroup group, boolean trainable) throws ModelFileException {
            declare(c);
            KerasLayers.refuseChannelsFirst(file, name, kind, c);
            switch (kind) {
                case "InputLayer" -> { }
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
                    add(new LayerRecipe(name, Dense.describe(units, KerasLayers.activation(file, name, c)), trainable,
                            expected, takeInput()), group);
                    rank = 1;
                }
                case "Dropout", "SpatialDropout2D" -> out.add(new Entry(LayerRecipe.dropout(name,
                        (float) c.path("rate").asDouble(c.path("p").asDouble(0)), trainable), null));
                case "Activation" -> fold(name, KerasLayers.activation(file, name, c), trainable);
                case "ReLU" -> fold(name, KerasLayers.relu(file, name, c), trainable);
                case "Softmax" -> fold(name, Activation.SOFTMAX, trainable);
                case "ELU" -> fold(name, Activation.elu((float) c.path("alpha").asDouble(1.0)), trainable);
                case "LeakyReLU" -> fold(name, KerasLayers.leaky(file, name,
                        (float) c.path("negative_slope").asDouble(c.path("alpha").asDouble(0.3))), trainable);
                case "Flatten", "Reshape" -> {
                    if (kind.equals("Reshape")) {
                        KerasLayers.requireFlatReshape(file, name, c);
                    }
                    if (rank != null && rank == 1) {
                        return; // already flat
                    }
                    if (out.isEmpty() && (pendingInput == null || pendingInput.rank() != 3)) {
                        pendingInput = null; // a leading Flatten of an input that is not an image: the Dense kernel says the width
                        rank = 1;
                        return;
                    }
                    add(new LayerRecipe(name, LayerDescription.of(KerasLayers.FLATTEN), trainable, Map.of(), takeInput()), null);
                    rank = 1;
                }
                default -> {
                    if (kind.startsWith("SeparableConv")) {
                        LayerRecipe[] parts = KerasLayers.separable(file, name, c, trainable);
                        add(parts[0].withInputShape(takeInput()), group);
                        add(parts[1], group);
                        rank = 3;
                        return;
                    }
                    LayerRecipe recipe = KerasLayers.spatial(file, kind, name, c, trainable, rank);
                    if (recipe == null) {
                        throw new ModelFileException(file, name, "layer class '" + kind + "' is not supported (Graft "
                                + "reads chains of Dense, Conv2D, DepthwiseConv2D, SeparableConv2D, pooling, ZeroPadding2D, "
                                + "Flatten, BatchNormalization, Dropout and activation layers)");
                    }
                    add(recipe.withInputShape(takeInput()), recipe.parameters().isEmpty() ? null : group);
                    rank = KerasLayers.rankAfter(kind, rank);
                }
            }
        }

        private void add(LayerRecipe recipe, WeightGroup group) {
            out.add(new Entry(recipe, group));
        }

        /** Records an input shape the layer's config declares (InputLayer, or the first layer's batch shape). */
        private void declare(JsonNode c) throws ModelFileException {
            Shape s = KerasLayers.declaredInput(file, c);
            if (s != null && out.isEmpty()) {
                pendingInput = s;
                rank = s.rank();
            }
        }

        private Shape takeInput() {
            Shape s = pendingInput;
            pendingInput = null;
            return s;
        }

        private void checkChain(JsonNode layer, String previous, String cls) throws ModelFileException {
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

        private void fold(String name, Activation act, boolean trainable) throws ModelFileException {
            if (act.kind() == Activation.Kind.IDENTITY) {
                return; // a linear Activation layer changes nothing
            }
            int last = out.size() - 1;
            if (last < 0) {
                throw new ModelFileException(file, name, "activation layer before any layer with weights");
            }
            LayerRecipe below = out.get(last).recipe();
            if (below.description().config().containsKey("activation") && !below.description().type().equals(ActivationLayer.TYPE)
                    && Activation.parse(below.description().string("activation")).kind() == Activation.Kind.IDENTITY) {
                out.set(last, new Entry(below.withDescription(below.description().replacing("activation", act.toString())),
                        out.get(last).group()));
            } else {
                // After a dropout, a batch norm, or a layer that already has an activation: a layer of its own, as in the file.
                add(new LayerRecipe(name, LayerDescription.of(ActivationLayer.TYPE).with("activation", act.toString()),
                        trainable, Map.of(), null), null);
            }
        }
    }

    static boolean isDense(LayerRecipe recipe) {
        return recipe.description().type().equals(Dense.TYPE);
    }

    /** Keras's {@code to_snake_case} of a class name: {@code MaxPooling2D} → {@code max_pooling2d}. */
    static String snakeCase(String className) {
        String s = className.replaceAll("\\W+", "");
        s = s.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }

    private static String unique(String name, Map<String, Integer> used) {
        Integer n = used.get(name);
        if (n == null) {
            used.put(name, 0);
            return name;
        }
        used.put(name, n + 1);
        return name + "_" + (n + 1);
    }

    private static List<String> append(List<String> path, String key) {
        List<String> copy = new ArrayList<>(path);
        copy.add(key);
        return List.copyOf(copy);
    }
}
