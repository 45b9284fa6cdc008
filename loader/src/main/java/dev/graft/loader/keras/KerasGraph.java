package dev.graft.loader.keras;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.loader.ModelFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The wiring of a Keras model config: every layer of a {@code Sequential} or functional ({@code Functional},
 * {@code Model}) model, with models nested inside flattened into the outer graph, as {@link Node}s in an order
 * where each comes after the layers feeding it (the model's inputs first, in its {@code input_layers} order).
 *
 * <p>Reads both spellings of a functional layer's {@code inbound_nodes}: Keras 1/2's nested lists
 * {@code [[[name, node_index, tensor_index, kwargs], ...]]} and Keras 3's
 * {@code [{"args": [...{"class_name": "__keras_tensor__", "config": {"keras_history": [name, node, tensor]}}...],
 * "kwargs": {}}]}. Refuses, naming the layer: a layer called more than once (shared layers), a reference to a
 * layer's second call or second output, an unknown layer, a cycle, several model outputs, and names that clash
 * once nested models are flattened.
 */
final class KerasGraph {

    /** One layer of the flattened graph; {@code inputs} name other nodes (empty: the model input, or an InputLayer). */
    record Node(String kind, String name, JsonNode config, KerasConfig.WeightGroup group, boolean trainable,
                List<String> inputs, String path) {
    }

    private final Path file;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, String> pathOf = new HashMap<>();

    private KerasGraph(Path file) {
        this.file = file;
    }

    /** The flattened layers of the model config {@code root}, inputs first, each after its inputs; the last one is the output. */
    static List<Node> flatten(Path file, JsonNode root) throws ModelFileException {
        KerasGraph g = new KerasGraph(file);
        g.model(root, null, List.of(), List.of(), true, null, "model");
        return g.nodes;
    }

    static boolean isModel(String kind) {
        return kind.equals("Sequential") || kind.equals("Functional") || kind.equals("Model");
    }

    /**
     * Adds the layers of one (possibly nested) model and returns the name of the node that gives its output.
     *
     * @param outerInput the node feeding a nested model, or null for the outermost one (whose first layer or
     *                   InputLayers take the model input)
     */
    private String model(JsonNode root, String legacyGroup, List<String> byClass, List<String> byName, boolean trainable,
                         String outerInput, String where) throws ModelFileException {
        String cls = root.path("class_name").asText("");
        JsonNode config = root.path("config");
        JsonNode layers = config.isArray() ? config : config.path("layers");
        if (!isModel(cls) || !layers.isArray()) {
            throw new ModelFileException(file, where, "model class '" + cls + "' with no layer list; Graft reads Sequential "
                    + "and functional (Functional/Model) models");
        }
        if (layers.isEmpty()) {
            throw new ModelFileException(file, where, "the model '" + config.path("name").asText("") + "' has no layers");
        }
        boolean modelTrainable = trainable && config.path("trainable").asBoolean(true);
        return cls.equals("Sequential") || !hasInbound(layers)
                ? sequential(layers, cls, legacyGroup, byClass, byName, modelTrainable, outerInput, where)
                : functional(config, layers, legacyGroup, byClass, byName, modelTrainable, outerInput, where);
    }

    private static boolean hasInbound(JsonNode layers) {
        for (JsonNode layer : layers) {
            if (layer.has("inbound_nodes")) {
                return true;
            }
        }
        return false;
    }

    private String sequential(JsonNode layers, String cls, String legacyGroup, List<String> byClass, List<String> byName,
                              boolean trainable, String outerInput, String where) throws ModelFileException {
        Map<String, Integer> used = new HashMap<>();
        String previous = outerInput;
        for (JsonNode layer : layers) {
            String kind = layer.path("class_name").asText("");
            JsonNode c = layer.path("config");
            String name = name(layer);
            // Keras 3 archives key layers by class; a Sequential's InputLayer is not among them.
            boolean keyed = !(kind.equals("InputLayer") && cls.equals("Sequential"));
            String classKey = keyed ? unique(KerasConfig.snakeCase(kind), used) : "(input)";
            List<String> cPath = append(byClass, classKey);
            List<String> nPath = append(byName, name);
            boolean layerTrainable = trainable && c.path("trainable").asBoolean(true);
            String group = legacyGroup != null ? legacyGroup : name;
            if (isModel(kind)) {
                previous = model(layer, group, cPath, nPath, layerTrainable, previous, where + "/" + name);
            } else if (kind.equals("InputLayer") && outerInput != null) {
                continue; // a nested model's input is the outer tensor feeding it
            } else {
                previous = add(new Node(kind, name, c, new KerasConfig.WeightGroup(group, cPath, nPath), layerTrainable,
                        previous == null ? List.of() : List.of(previous), where + "/" + name));
            }
        }
        if (previous == null || previous.equals(outerInput)) {
            throw new ModelFileException(file, where, "the nested model has no layers besides its input");
        }
        return previous;
    }

    private String functional(JsonNode config, JsonNode layers, String legacyGroup, List<String> byClass, List<String> byName,
                              boolean trainable, String outerInput, String where) throws ModelFileException {
        Map<String, JsonNode> byLayerName = new LinkedHashMap<>();
        Map<String, String> classKeys = new HashMap<>();
        Map<String, Integer> used = new HashMap<>();
        for (JsonNode layer : layers) {
            String name = name(layer);
            if (byLayerName.put(name, layer) != null) {
                throw new ModelFileException(file, where + "/" + name, "two layers are named '" + name + "'");
            }
            classKeys.put(name, unique(KerasConfig.snakeCase(layer.path("class_name").asText("")), used));
        }
        List<String> inputs = endpoints(config.path("input_layers"), where, "input_layers", byLayerName);
        List<String> outputs = endpoints(config.path("output_layers"), where, "output_layers", byLayerName);
        if (outputs.size() != 1) {
            throw new ModelFileException(file, where, "the model has " + outputs.size() + " outputs " + outputs
                    + "; Graft's models have one output (cut the model at the output you need and re-save it)");
        }
        if (outerInput != null && inputs.size() != 1) {
            throw new ModelFileException(file, where, "a nested model with " + inputs.size() + " inputs " + inputs
                    + " is not supported (a nested model takes the one tensor before it)");
        }
        Map<String, List<String>> wiring = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : byLayerName.entrySet()) {
            wiring.put(e.getKey(), inbound(e.getValue(), e.getKey(), where, byLayerName));
        }
        Map<String, String> resolved = new HashMap<>();
        for (String layerName : order(wiring, inputs, where)) {
            JsonNode layer = byLayerName.get(layerName);
            String kind = layer.path("class_name").asText("");
            JsonNode c = layer.path("config");
            List<String> from = new ArrayList<>();
            for (String in : wiring.get(layerName)) {
                from.add(resolved.get(in));
            }
            if (kind.equals("InputLayer")) {
                if (!inputs.contains(layerName)) {
                    throw new ModelFileException(file, where + "/" + layerName, "InputLayer '" + layerName
                            + "' is not among the model's input_layers " + inputs);
                }
                if (outerInput != null) {
                    resolved.put(layerName, outerInput);
                    continue;
                }
            } else if (inputs.contains(layerName)) {
                throw new ModelFileException(file, where + "/" + layerName, "input_layers names '" + layerName
                        + "', which is a " + kind + ", not an InputLayer");
            } else if (from.isEmpty()) {
                throw new ModelFileException(file, where + "/" + layerName, "layer '" + layerName + "' has no inbound "
                        + "nodes: it is not connected to the model's inputs");
            }
            List<String> cPath = append(byClass, classKeys.get(layerName));
            List<String> nPath = append(byName, layerName);
            boolean layerTrainable = trainable && c.path("trainable").asBoolean(true);
            String group = legacyGroup != null ? legacyGroup : layerName;
            String node;
            if (isModel(kind)) {
                if (from.size() != 1) {
                    throw new ModelFileException(file, where + "/" + layerName, "nested model '" + layerName + "' takes "
                            + from.size() + " tensors; Graft flattens nested models that take one");
                }
                node = model(layer, group, cPath, nPath, layerTrainable, from.get(0), where + "/" + layerName);
            } else {
                node = add(new Node(kind, layerName, c, new KerasConfig.WeightGroup(group, cPath, nPath), layerTrainable,
                        List.copyOf(from), where + "/" + layerName));
            }
            resolved.put(layerName, node);
        }
        return resolved.get(outputs.get(0));
    }

    private String add(Node node) throws ModelFileException {
        String earlier = pathOf.putIfAbsent(node.name(), node.path());
        if (earlier != null) {
            throw new ModelFileException(file, node.name(), "two layers are named '" + node.name() + "' once nested models "
                    + "are flattened into one graph: " + earlier + " and " + node.path());
        }
        nodes.add(node);
        return node.name();
    }

    /** The layer names an {@code input_layers}/{@code output_layers} list gives: Keras 3 writes one as a flat triple. */
    private List<String> endpoints(JsonNode list, String where, String key, Map<String, JsonNode> layers)
            throws ModelFileException {
        if (!list.isArray() || list.isEmpty()) {
            throw new ModelFileException(file, where, "functional model config without '" + key + "'");
        }
        List<JsonNode> entries = new ArrayList<>();
        if (list.get(0).isTextual()) {
            entries.add(list);
        } else {
            list.forEach(entries::add);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : entries) {
            String name = reference(e, where, key, layers);
            if (out.contains(name)) {
                throw new ModelFileException(file, where, key + " lists '" + name + "' twice");
            }
            out.add(name);
        }
        return out;
    }

    /** The layer a {@code [name, node_index, tensor_index]} triple names, refusing later calls and outputs. */
    private String reference(JsonNode triple, String where, String what, Map<String, JsonNode> layers)
            throws ModelFileException {
        if (!triple.isArray() || triple.size() < 3 || !triple.get(0).isTextual()) {
            throw new ModelFileException(file, where, what + ": " + triple + " is not [layer name, node index, tensor index]");
        }
        String name = triple.get(0).asText();
        if (!layers.containsKey(name)) {
            throw new ModelFileException(file, where, what + " refers to layer '" + name + "', which the model does not have");
        }
        if (!triple.get(1).canConvertToInt() || triple.get(1).asInt() != 0) {
            throw new ModelFileException(file, where, what + " uses call " + triple.get(1) + " of layer '" + name
                    + "' (a layer called several times, i.e. shared weights): not supported");
        }
        if (!triple.get(2).canConvertToInt() || triple.get(2).asInt() != 0) {
            throw new ModelFileException(file, where, what + " uses output " + triple.get(2) + " of layer '" + name
                    + "': Graft's layers have one output");
        }
        return name;
    }

    /** The names of the layers feeding {@code layer}, in order, from either spelling of {@code inbound_nodes}. */
    private List<String> inbound(JsonNode layer, String name, String where, Map<String, JsonNode> layers)
            throws ModelFileException {
        JsonNode nodesJson = layer.path("inbound_nodes");
        String at = where + "/" + name;
        if (nodesJson.isMissingNode() || nodesJson.isNull() || (nodesJson.isArray() && nodesJson.isEmpty())) {
            return List.of();
        }
        if (!nodesJson.isArray()) {
            throw new ModelFileException(file, at, "inbound_nodes of layer '" + name + "' is not a list: " + abbreviate(nodesJson));
        }
        if (nodesJson.size() > 1) {
            throw new ModelFileException(file, at, "layer '" + name + "' is called " + nodesJson.size() + " times (a shared "
                    + "layer, the same weights applied to several tensors): Graft's graphs run each layer once");
        }
        JsonNode node = nodesJson.get(0);
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            for (JsonNode triple : node) { // Keras 1/2: [[name, node_index, tensor_index, kwargs], ...]
                out.add(reference(triple, at, "inbound node of layer '" + name + "'", layers));
            }
        } else if (node.isObject()) {
            collectTensors(node.path("args"), at, name, layers, out);
            if (containsTensor(node.path("kwargs"))) {
                throw new ModelFileException(file, at, "layer '" + name + "' takes a tensor as a keyword argument ("
                        + abbreviate(node.path("kwargs")) + "): not supported");
            }
        } else {
            throw new ModelFileException(file, at, "inbound node of layer '" + name + "' is neither a list nor an object: "
                    + abbreviate(node));
        }
        if (out.isEmpty()) {
            throw new ModelFileException(file, at, "layer '" + name + "' has an inbound node with no input tensor");
        }
        return out;
    }

    private void collectTensors(JsonNode args, String at, String name, Map<String, JsonNode> layers, List<String> out)
            throws ModelFileException {
        if (args.isArray()) {
            for (JsonNode a : args) {
                collectTensors(a, at, name, layers, out);
            }
        } else if (args.isObject() && args.path("class_name").asText("").equals("__keras_tensor__")) {
            out.add(reference(args.path("config").path("keras_history"), at, "inbound tensor of layer '" + name + "'", layers));
        }
    }

    private static boolean containsTensor(JsonNode v) {
        if (v.isObject() && v.path("class_name").asText("").equals("__keras_tensor__")) {
            return true;
        }
        for (JsonNode child : v) {
            if (containsTensor(child)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The layers in an order where each follows its inputs: the model's inputs first (in {@code input_layers}
     * order), then the others in config order as soon as their inputs are placed. Refuses a cycle.
     */
    private List<String> order(Map<String, List<String>> wiring, List<String> inputs, String where) throws ModelFileException {
        List<String> placed = new ArrayList<>(inputs);
        Set<String> done = new java.util.HashSet<>(inputs);
        for (String in : inputs) {
            if (!wiring.get(in).isEmpty()) {
                throw new ModelFileException(file, where + "/" + in, "model input '" + in + "' has inbound nodes "
                        + wiring.get(in));
            }
        }
        Deque<String> pending = new ArrayDeque<>();
        wiring.keySet().stream().filter(n -> !done.contains(n)).forEach(pending::add);
        boolean progress = true;
        while (!pending.isEmpty() && progress) {
            progress = false;
            for (int i = pending.size(); i > 0; i--) {
                String n = pending.poll();
                if (done.containsAll(wiring.get(n)) && !wiring.get(n).isEmpty()) {
                    placed.add(n);
                    done.add(n);
                    progress = true;
                } else {
                    pending.add(n);
                }
            }
        }
        if (!pending.isEmpty()) {
            String stuck = pending.peek();
            boolean unwired = wiring.get(stuck).isEmpty();
            throw new ModelFileException(file, where + "/" + stuck, unwired
                    ? "layer '" + stuck + "' has no inbound nodes and is not a model input"
                    : "the functional model's wiring has a cycle or a layer not reachable from its inputs (layers "
                            + List.copyOf(pending) + " wait on each other; '" + stuck + "' takes " + wiring.get(stuck) + ")");
        }
        return placed;
    }

    private static String name(JsonNode layer) {
        return layer.path("config").path("name").asText(layer.path("name").asText(""));
    }

    private static String abbreviate(JsonNode v) {
        String s = v.toString();
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
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
