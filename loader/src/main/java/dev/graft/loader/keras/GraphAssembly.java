package dev.graft.loader.keras;

import dev.graft.Add;
import dev.graft.Concatenate;
import dev.graft.InputLayer;
import dev.graft.Layer;
import dev.graft.LayerTypes;
import dev.graft.Model;
import dev.graft.Parameter;
import dev.graft.Shape;
import dev.graft.loader.LayerAssembler;
import dev.graft.loader.LayerRecipe;
import dev.graft.loader.ModelFileException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a graph model from recipes in topological order and their wiring: each layer's input shapes are the
 * output shapes of the layers it reads, so a file's declared shapes and tensor shapes are checked against the
 * graph, not against the layer listed before. InputLayer, Add and Concatenate are built here; every other type
 * through its registered {@link dev.graft.LayerType}. Every failure is a {@link ModelFileException} naming the
 * file and the layer or tensor.
 */
final class GraphAssembly {

    private GraphAssembly() {
    }

    static Model model(Path file, List<LayerRecipe> recipes, Map<String, List<String>> inbound,
                       LayerAssembler.Tensors tensors, String disagreement) throws IOException {
        Map<String, Layer> built = new HashMap<>();
        List<Layer> layers = new ArrayList<>();
        for (LayerRecipe recipe : recipes) {
            List<String> from = inbound.getOrDefault(recipe.name(), List.of());
            List<Shape> shapes = new ArrayList<>();
            for (String in : from) {
                Layer source = built.get(in);
                if (source == null) {
                    throw new ModelFileException(file, recipe.name(), "layer '" + recipe.name() + "' reads '" + in
                            + "', which is not built before it");
                }
                shapes.add(source.outputShape());
            }
            Layer layer;
            try {
                layer = create(file, recipe, from, shapes, tensors, disagreement);
            } catch (IllegalArgumentException e) {
                throw new ModelFileException(file, recipe.name(), "layer '" + recipe.name() + "': " + e.getMessage(), e);
            }
            built.put(layer.name(), layer);
            layers.add(layer);
        }
        Map<String, List<String>> wiring = new LinkedHashMap<>(inbound);
        try {
            return new Model(layers, wiring);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, null, e.getMessage() + ": " + disagreement, e);
        }
    }

    private static Layer create(Path file, LayerRecipe recipe, List<String> from, List<Shape> shapes,
                                LayerAssembler.Tensors tensors, String disagreement) throws IOException {
        String type = recipe.description().type();
        switch (type) {
            case KerasConfig.INPUT -> {
                return new InputLayer(recipe.name(), recipe.inputShape());
            }
            case KerasConfig.ADD -> {
                return new Add(recipe.name(), shapes, recipe.trainable());
            }
            case KerasConfig.CONCATENATE -> {
                return new Concatenate(recipe.name(), shapes, recipe.description().integer("axis"), recipe.trainable());
            }
            default -> {
            }
        }
        Shape input;
        if (shapes.isEmpty()) {
            input = recipe.inputShape();
            if (input == null) {
                throw new ModelFileException(file, recipe.name(), "layer '" + recipe.name() + "' takes the model input, "
                        + "but nothing in the file says the input's shape");
            }
        } else {
            input = shapes.get(0);
            if (recipe.inputShape() != null && !recipe.inputShape().equals(input)) {
                throw new ModelFileException(file, recipe.name(), "layer '" + recipe.name() + "' declares input shape "
                        + recipe.inputShape() + " but '" + from.get(0) + "' gives " + input + ": " + disagreement);
            }
        }
        Map<String, LayerAssembler.Tensor> read = new LinkedHashMap<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, LayerRecipe.Source> e : recipe.parameters().entrySet()) {
            LayerAssembler.Tensor t = tensors.read(recipe, e.getKey(), e.getValue());
            read.put(e.getKey(), t);
            values.put(e.getKey(), t.values());
        }
        Layer layer = LayerTypes.create(recipe.name(), input, recipe.description(), values, recipe.trainable());
        for (Parameter p : layer.parameters()) {
            LayerAssembler.Tensor t = read.get(p.name());
            if (t != null && !Arrays.equals(t.shape(), p.shape().dims())) {
                throw new ModelFileException(file, t.path(), "layer '" + recipe.name() + "' needs " + p.name() + " of shape "
                        + p.shape() + " but the file holds " + Arrays.toString(t.shape()));
            }
        }
        return layer;
    }
}
