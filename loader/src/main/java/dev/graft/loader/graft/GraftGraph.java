package dev.graft.loader.graft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.InputLayer;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.Shape;
import dev.graft.loader.LayerAssembler;
import dev.graft.loader.LayerRecipe;
import dev.graft.loader.ModelFileException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The edges of a graph model in a Graft file (format version {@value GraftFormat#GRAPH_VERSION}; chains
 * are written as version 2, unchanged): {@code inputShapes}, the shapes of the model's inputs, and
 * {@code inbound}, each layer's inbound layer names as {@link Model#inbound()} gives them. Both sit in
 * the description the file's SHA-256 covers. Read strictly: an unknown or later layer name, a
 * malformed list, or inputs that disagree with the layers are errors naming the file and layer.
 */
final class GraftGraph {

    private GraftGraph() {
    }

    /** Adds the graph fields of {@code model} to the root description. */
    static void write(Model model, ObjectNode root) {
        ArrayNode shapes = root.putArray("inputShapes");
        model.inputShapes().forEach(s -> shapes.add(DescriptionJson.shape(s)));
        ObjectNode inbound = JSON_NODES.objectNode();
        model.inbound().forEach((layer, inputs) -> {
            ArrayNode list = inbound.putArray(layer);
            inputs.forEach(list::add);
        });
        root.set("inbound", inbound);
    }

    private static final com.fasterxml.jackson.databind.node.JsonNodeFactory JSON_NODES =
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;

    /** Builds the graph model of {@code recipes}, each layer taking the output shape of its first inbound layer. */
    static Model read(Path file, JsonNode root, List<LayerRecipe> recipes, LayerAssembler.Tensors tensors) throws IOException {
        Map<String, List<String>> inbound = inbound(file, root.get("inbound"));
        List<Shape> inputShapes = new ArrayList<>();
        for (JsonNode s : root.get("inputShapes")) {
            try {
                inputShapes.add(DescriptionJson.shape(s));
            } catch (IllegalArgumentException e) {
                throw new ModelFileException(file, GraftFormat.METADATA_KEY, "bad input shape " + s + ": " + e.getMessage(), e);
            }
        }
        Shape modelInput = DescriptionJson.shape(root.get("inputShape"));
        Map<String, Layer> built = new HashMap<>();
        List<Layer> layers = new ArrayList<>();
        int inputs = 0;
        for (LayerRecipe recipe : recipes) {
            Shape in;
            List<String> from = inbound.get(recipe.name());
            if (InputLayer.TYPE.equals(recipe.description().type())) {
                if (inputs >= inputShapes.size()) {
                    throw new ModelFileException(file, recipe.name(), "input layer beyond the " + inputShapes.size()
                            + " input shape(s) the description lists");
                }
                in = inputShapes.get(inputs++);
            } else if (from != null && !from.isEmpty()) {
                Layer first = built.get(from.get(0));
                if (first == null) {
                    throw new ModelFileException(file, recipe.name(), "layer '" + recipe.name() + "' takes input from '"
                            + from.get(0) + "', which is not an earlier layer of the file (unknown name or forward reference)");
                }
                in = first.outputShape();
            } else if (layers.isEmpty()) {
                in = modelInput;
            } else {
                in = layers.get(layers.size() - 1).outputShape();
            }
            Layer layer = LayerAssembler.layers(file, List.of(recipe.withInputShape(in)), tensors,
                    "the layer descriptions disagree").get(0);
            built.put(layer.name(), layer);
            layers.add(layer);
        }
        Model model;
        try {
            model = new Model(layers, inbound);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, GraftFormat.METADATA_KEY, "the graph does not hold together: " + e.getMessage(), e);
        }
        if (!model.inputShapes().equals(inputShapes) || !model.inputShape().equals(modelInput) || model.isChain()) {
            throw new ModelFileException(file, GraftFormat.METADATA_KEY, "the graph's inputs " + model.inputShapes()
                    + (model.isChain() ? " form a chain, which Graft writes as version 2" : "")
                    + " disagree with the stored input shapes " + inputShapes + " / " + modelInput + " (damaged header)");
        }
        return model;
    }

    private static Map<String, List<String>> inbound(Path file, JsonNode node) throws ModelFileException {
        Map<String, List<String>> inbound = new LinkedHashMap<>();
        var fields = node.fields();
        while (fields.hasNext()) {
            var e = fields.next();
            if (!e.getValue().isArray() || e.getValue().isEmpty()) {
                throw new ModelFileException(file, e.getKey(), "inbound entry is not a non-empty list of layer names: " + e.getValue());
            }
            List<String> names = new ArrayList<>();
            for (JsonNode n : e.getValue()) {
                if (!n.isTextual()) {
                    throw new ModelFileException(file, e.getKey(), "inbound entry holds a non-name: " + n);
                }
                names.add(n.textValue());
            }
            inbound.put(e.getKey(), names);
        }
        return inbound;
    }
}
