package dev.graft.loader;

import dev.graft.Layer;
import dev.graft.LayerTypes;
import dev.graft.Model;
import dev.graft.Parameter;
import dev.graft.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a model from {@link LayerRecipe}s, for every registered layer type: reads each parameter's
 * tensor through the reader's {@link Tensors}, creates the layer with its {@link dev.graft.LayerType},
 * checks every tensor's shape against the layer's own parameter descriptors, and checks the chain
 * (a layer's declared input shape against the output of the layer below). Layers before the first
 * one whose input shape the file declares take that shape and must preserve it (a dropout on the
 * model input). Every failure is a {@link ModelFileException} naming the file, tensor or layer.
 */
public final class LayerAssembler {

    /** A tensor read for a parameter: where it is, its shape as stored after orienting, its values. */
    public record Tensor(String path, int[] shape, float[] values) {
    }

    /** Reads the tensors a reader's recipes point at. */
    @FunctionalInterface
    public interface Tensors {
        /** The values of {@code source} for parameter {@code parameter} of {@code layer}, oriented as the layer stores them. */
        Tensor read(LayerRecipe layer, String parameter, LayerRecipe.Source source) throws IOException;
    }

    private LayerAssembler() {
    }

    /**
     * The layers of {@code recipes} in order.
     *
     * @param file          the file named in errors
     * @param disagreement  what a chain mismatch means for this reader, e.g. "the graph and the checkpoint disagree"
     */
    public static List<Layer> layers(Path file, List<LayerRecipe> recipes, Tensors tensors, String disagreement)
            throws IOException {
        Shape first = recipes.stream().map(LayerRecipe::inputShape).filter(java.util.Objects::nonNull).findFirst()
                .orElseThrow(() -> new ModelFileException(file, "no layer in the file says what input it takes; "
                        + "the model's input shape cannot be recovered"));
        List<Layer> built = new ArrayList<>();
        for (LayerRecipe recipe : recipes) {
            Layer below = built.isEmpty() ? null : built.get(built.size() - 1);
            Shape input = below != null ? below.outputShape() : recipe.inputShape() != null ? recipe.inputShape() : first;
            if (recipe.inputShape() != null && below != null && !recipe.inputShape().equals(below.outputShape())) {
                throw new ModelFileException(file, firstTensor(recipe), "layer '" + recipe.name() + "' takes "
                        + recipe.inputShape().size() + " inputs, shape " + recipe.inputShape() + ", but layer '" + below.name()
                        + "' below it gives " + below.outputWidth() + ", shape " + below.outputShape() + ": " + disagreement);
            }
            Map<String, Tensor> read = new LinkedHashMap<>();
            Map<String, float[]> values = new LinkedHashMap<>();
            for (Map.Entry<String, LayerRecipe.Source> e : recipe.parameters().entrySet()) {
                Tensor t = tensors.read(recipe, e.getKey(), e.getValue());
                read.put(e.getKey(), t);
                values.put(e.getKey(), t.values());
            }
            Layer layer;
            try {
                layer = LayerTypes.create(recipe.name(), input, recipe.description(), values, recipe.trainable());
            } catch (IllegalArgumentException e) {
                throw new ModelFileException(file, firstTensor(recipe), e.getMessage(), e);
            }
            for (Parameter p : layer.parameters()) {
                Tensor t = read.get(p.name());
                if (t != null && !Arrays.equals(t.shape(), p.shape().dims())) {
                    throw new ModelFileException(file, t.path(), "layer '" + recipe.name() + "' needs " + p.name() + " of shape "
                            + p.shape() + " but the file holds " + Arrays.toString(t.shape()));
                }
            }
            if (below == null && recipe.inputShape() == null && !layer.outputShape().equals(input)) {
                throw new ModelFileException(file, recipe.name(), "layer '" + recipe.name() + "' comes before any layer "
                        + "that declares the input shape, so it must keep its shape; it maps " + input + " to " + layer.outputShape());
            }
            built.add(layer);
        }
        return built;
    }

    /** {@link #layers} as a model, with the model's own chain check wrapped as a file error. */
    public static Model model(Path file, List<LayerRecipe> recipes, Tensors tensors, String disagreement) throws IOException {
        List<Layer> layers = layers(file, recipes, tensors, disagreement);
        try {
            return new Model(layers);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, null, e.getMessage(), e);
        }
    }

    private static String firstTensor(LayerRecipe recipe) {
        return recipe.parameters().values().stream().map(LayerRecipe.Source::tensor).filter(java.util.Objects::nonNull)
                .findFirst().orElse(recipe.name());
    }
}
