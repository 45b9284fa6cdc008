package dev.graft.loader.graft;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.Parameter;
import dev.graft.loader.ModelFileException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;

/**
 * Strict reading of the layer description in a Graft file's {@code graft.model} metadata: every object
 * has exactly the fields Graft writes, each of the right JSON type, and a recreated layer describes
 * itself exactly as stored, so a damaged key or value is an error rather than a default (a lost
 * {@code activation} must not become identity).
 */
final class GraftDescription {

    private static final Set<String> ROOT_V1 = Set.of("format", "version", "inputWidth", "layers");
    private static final Set<String> ROOT = Set.of("format", "version", "inputShape", "layers");
    private static final Set<String> ROOT_GRAPH = Set.of("format", "version", "inputShape", "inputShapes", "layers", "inbound");
    private static final Set<String> DENSE_V1 = Set.of("name", "type", "inputWidth", "outputWidth", "activation", "trainable");
    private static final Set<String> DROPOUT_V1 = Set.of("name", "type", "width", "rate", "trainable");
    private static final Set<String> LAYER = Set.of("name", "type", "trainable", "config", "parameters");
    private static final Set<String> PARAMETER = Set.of("name", "role", "shape");

    private GraftDescription() {
    }

    /** Checks the top-level object; returns its format version (1, 2, or 3 for a graph). */
    static int root(Path file, JsonNode root) throws ModelFileException {
        if (root == null || !root.isObject()) {
            throw new ModelFileException(file, GraftFormat.METADATA_KEY, "layer description is not a JSON object");
        }
        JsonNode v = root.get("version");
        int version = v != null && v.isInt() ? v.intValue() : -1;
        if (!"graft".equals(root.path("format").textValue())
                || (version != 1 && version != GraftFormat.VERSION && version != GraftFormat.GRAPH_VERSION)) {
            throw new ModelFileException(file, GraftFormat.METADATA_KEY, "unknown format/version " + root.get("format")
                    + "/" + v + " (this Graft reads graft/1, graft/" + GraftFormat.VERSION + " and graft/"
                    + GraftFormat.GRAPH_VERSION + " (graphs))");
        }
        fields(file, GraftFormat.METADATA_KEY, root, version == 1 ? ROOT_V1 : version == GraftFormat.GRAPH_VERSION ? ROOT_GRAPH : ROOT);
        if (version == GraftFormat.GRAPH_VERSION && !(root.get("inputShapes").isArray() && !root.get("inputShapes").isEmpty()
                && root.get("inbound").isObject())) {
            throw new ModelFileException(file, GraftFormat.METADATA_KEY, "a graph description needs inputShapes, a non-empty "
                    + "list, and inbound, an object of layer-name lists");
        }
        boolean inputOk = version == 1 ? root.get("inputWidth").isInt() : root.get("inputShape").isArray();
        if (!inputOk || !root.get("layers").isArray() || root.get("layers").isEmpty()) {
            throw new ModelFileException(file, GraftFormat.METADATA_KEY, (version == 1 ? "inputWidth must be an integer"
                    : "inputShape must be a list") + " and layers a non-empty list");
        }
        return version;
    }

    /** Checks one layer object of the given format version; returns its name. */
    static String layer(Path file, JsonNode l, int version) throws ModelFileException {
        if (!l.isObject() || !l.path("name").isTextual() || !l.path("type").isTextual()) {
            throw new ModelFileException(file, GraftFormat.METADATA_KEY, "layer entry without a name and type: " + l);
        }
        String name = l.get("name").textValue();
        if (version != 1) {
            fields(file, name, l, LAYER);
            require(file, name, l.get("trainable").isBoolean() && l.get("config").isObject()
                    && l.get("parameters").isArray(), l);
            for (JsonNode p : l.get("parameters")) {
                if (!p.isObject()) {
                    throw new ModelFileException(file, name, "a parameter entry is not an object: " + p);
                }
                fields(file, name, p, PARAMETER);
                require(file, name, p.get("name").isTextual() && p.get("role").isTextual() && p.get("shape").isArray(), p);
            }
            return name;
        }
        switch (l.get("type").textValue()) {
            case "dense" -> {
                fields(file, name, l, DENSE_V1);
                require(file, name, l.get("inputWidth").isInt() && l.get("outputWidth").isInt()
                        && l.get("activation").isTextual() && l.get("trainable").isBoolean(), l);
            }
            case "dropout" -> {
                fields(file, name, l, DROPOUT_V1);
                require(file, name, l.get("width").isInt() && l.get("rate").isNumber() && l.get("trainable").isBoolean(), l);
            }
            default -> throw new ModelFileException(file, name, "unknown layer type '" + l.get("type").textValue()
                    + "' in a version-1 Graft file");
        }
        return name;
    }

    /** Every tensor in the file belongs to a parameter of the description: an extra one means the description lost a layer. */
    static void allTensorsUsed(Path file, Set<String> tensors, Set<String> described) throws ModelFileException {
        for (String t : tensors) {
            if (!described.contains(t)) {
                throw new ModelFileException(file, t, "tensor belongs to no layer of the description (damaged header)");
            }
        }
    }

    /**
     * Each layer, recreated by its registered type, describes itself and its parameters (names, roles)
     * exactly as the file stores them: a configuration entry the type does not know, or a value it
     * read differently, is damage, not something to ignore.
     */
    static void describedAsStored(Path file, Model model, JsonNode layers) throws IOException {
        Iterator<JsonNode> stored = layers.iterator();
        for (Layer layer : model.layers()) {
            JsonNode l = stored.next();
            String expected = GraftFormat.canonical(l.get("config"));
            String actual = GraftFormat.canonicalConfig(layer.description());
            if (!expected.equals(actual)) {
                throw new ModelFileException(file, layer.name(), "layer type '" + layer.description().type()
                        + "' reads the configuration " + expected + " as " + actual + " (unknown or damaged entry)");
            }
            Set<String> storedParams = new HashSet<>();
            for (JsonNode p : l.get("parameters")) {
                storedParams.add(p.get("name").textValue() + ":" + p.get("role").textValue());
            }
            Set<String> actualParams = new HashSet<>();
            for (Parameter p : layer.parameters()) {
                actualParams.add(p.name() + ":" + p.role().name().toLowerCase(Locale.ROOT));
            }
            if (!storedParams.equals(actualParams)) {
                throw new ModelFileException(file, layer.name(), "the file lists parameters " + storedParams
                        + " but a '" + layer.description().type() + "' layer has " + actualParams);
            }
        }
    }

    private static void fields(Path file, String item, JsonNode node, Set<String> expected) throws ModelFileException {
        Set<String> found = new HashSet<>();
        node.fieldNames().forEachRemaining(found::add);
        if (!found.equals(expected)) {
            Set<String> unknown = new HashSet<>(found);
            unknown.removeAll(expected);
            Set<String> missing = new HashSet<>(expected);
            missing.removeAll(found);
            throw new ModelFileException(file, item, "layer description fields do not match what Graft writes: "
                    + (unknown.isEmpty() ? "" : "unknown " + unknown + " ") + (missing.isEmpty() ? "" : "missing " + missing));
        }
    }

    private static void require(Path file, String name, boolean ok, JsonNode l) throws ModelFileException {
        if (!ok) {
            throw new ModelFileException(file, name, "a layer field has the wrong JSON type: " + l);
        }
    }
}
