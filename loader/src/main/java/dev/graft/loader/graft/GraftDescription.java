package dev.graft.loader.graft;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.loader.ModelFileException;
import dev.graft.loader.TensorLayer;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Strict reading of the layer description in a Graft file's {@code graft.model} metadata: every object
 * has exactly the fields Graft writes, each of the right JSON type, so a damaged key or value is an error
 * rather than a default (a lost {@code activation} must not become identity).
 */
final class GraftDescription {

    private static final Set<String> ROOT = Set.of("format", "version", "inputWidth", "layers");
    private static final Set<String> DENSE = Set.of("name", "type", "inputWidth", "outputWidth", "activation", "trainable");
    private static final Set<String> DROPOUT = Set.of("name", "type", "width", "rate", "trainable");

    private GraftDescription() {
    }

    /** Checks the top-level object; returns its format version (1 or 2). */
    static int root(Path file, JsonNode root) throws ModelFileException {
        if (root == null || !root.isObject()) {
            throw new ModelFileException(file, GraftFormat.METADATA_KEY, "layer description is not a JSON object");
        }
        fields(file, GraftFormat.METADATA_KEY, root, ROOT);
        int version = root.get("version").isInt() ? root.get("version").intValue() : -1;
        if (!"graft".equals(root.get("format").textValue()) || (version != 1 && version != GraftFormat.VERSION)) {
            throw new ModelFileException(file, GraftFormat.METADATA_KEY, "unknown format/version " + root.get("format")
                    + "/" + root.get("version"));
        }
        if (!root.get("inputWidth").isInt() || !root.get("layers").isArray() || root.get("layers").isEmpty()) {
            throw new ModelFileException(file, GraftFormat.METADATA_KEY, "inputWidth must be an integer and layers a "
                    + "non-empty list");
        }
        return version;
    }

    /** Checks one layer object; returns its name. */
    static String layer(Path file, JsonNode l) throws ModelFileException {
        if (!l.isObject() || !l.path("name").isTextual() || !l.path("type").isTextual()) {
            throw new ModelFileException(file, GraftFormat.METADATA_KEY, "layer entry without a name and type: " + l);
        }
        String name = l.get("name").textValue();
        String type = l.get("type").textValue();
        switch (type) {
            case "dense" -> {
                fields(file, name, l, DENSE);
                require(file, name, l.get("inputWidth").isInt() && l.get("outputWidth").isInt()
                        && l.get("activation").isTextual() && l.get("trainable").isBoolean(), l);
            }
            case "dropout" -> {
                fields(file, name, l, DROPOUT);
                require(file, name, l.get("width").isInt() && l.get("rate").isNumber() && l.get("trainable").isBoolean(), l);
            }
            default -> throw new ModelFileException(file, name, "unknown layer type '" + type + "'");
        }
        return name;
    }

    /** Every tensor in the file belongs to a layer: an extra one means the description lost a layer. */
    static void allTensorsUsed(Path file, Set<String> tensors, List<TensorLayer> layers) throws ModelFileException {
        Set<String> used = new HashSet<>();
        for (TensorLayer t : layers) {
            used.add(t.weights());
            used.add(t.bias());
        }
        for (String t : tensors) {
            if (!used.contains(t)) {
                throw new ModelFileException(file, t, "tensor belongs to no layer of the description (damaged header)");
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
