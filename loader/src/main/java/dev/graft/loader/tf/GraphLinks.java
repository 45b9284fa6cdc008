package dev.graft.loader.tf;

import dev.graft.Add;
import dev.graft.Concatenate;
import dev.graft.InputLayer;
import dev.graft.Layer;
import dev.graft.LayerDescription;
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
 * A branching graph recovered by {@link GraphWalker} (residual {@code Add}s, {@code Concat}s) as a graph
 * {@link Model}: which recipe feeds which ({@link #link}), and the layers built with each one's input shapes taken
 * from the layers feeding it ({@link #model}). An {@link InputLayer} is added when a branch starts at the model
 * input itself (a residual connection around the first layer).
 */
final class GraphLinks {

    /** The recipe index standing for the model input. */
    private static final int INPUT = -1;

    private GraphLinks() {
    }

    /** The recipe index that gives {@code part}'s output ({@link #INPUT} for the model input). */
    static int recipeOf(GraphParts.Part part, Map<GraphParts.Part, Integer> recipeOf) {
        return part == GraphParts.INPUT ? INPUT : recipeOf.get(part);
    }

    /**
     * Fills {@code inbound} (recipe index → the recipe indexes feeding it, where that is not the recipe before it)
     * and returns the recipes, with an input layer first when a layer other than the first takes the model input.
     */
    static List<LayerRecipe> link(GraphParts.Chain chain, List<LayerRecipe> recipes, Map<GraphParts.Part, Integer> recipeOf,
                                  Map<Integer, List<Integer>> inbound) {
        Map<Integer, List<Integer>> links = new LinkedHashMap<>();
        boolean inputUsed = false;
        for (GraphParts.Part part : chain.parts()) {
            int at = recipeOf.get(part);
            if (at < 0 || at >= recipes.size() || links.containsKey(at) || !isOwn(part, at, chain, recipeOf)) {
                continue;
            }
            List<Integer> from = chain.inputsOf(part).stream().map(p -> recipeOf(p, recipeOf)).toList();
            if (!from.equals(List.of(at - 1))) {
                links.put(at, from);
                inputUsed |= at > 0 && from.contains(INPUT);
            }
        }
        links.remove(0, List.of(INPUT));
        int shift = inputUsed ? 1 : 0;
        List<LayerRecipe> out = new ArrayList<>();
        if (inputUsed) {
            out.add(new LayerRecipe("input", LayerDescription.of(InputLayer.TYPE), true, Map.of(), null));
        }
        out.addAll(recipes);
        links.forEach((at, from) -> inbound.put(at + shift, from.stream().map(i -> i + shift).toList()));
        return out;
    }

    /** Whether recipe {@code at} was made from {@code part} (not a part that added no layer and stands for its input). */
    private static boolean isOwn(GraphParts.Part part, int at, GraphParts.Chain chain, Map<GraphParts.Part, Integer> recipeOf) {
        return chain.inputsOf(part).stream().noneMatch(p -> recipeOf(p, recipeOf) == at);
    }

    /** How many merge layers the recipes hold. */
    static long merges(List<LayerRecipe> recipes) {
        return recipes.stream().map(r -> r.description().type()).filter(t -> t.equals(Add.TYPE) || t.equals(Concatenate.TYPE))
                .count();
    }

    /** The graph model: each recipe built with the output shapes of the recipes feeding it. */
    static Model model(Path file, List<LayerRecipe> recipes, Map<Integer, List<Integer>> inbound, LayerAssembler.Tensors tensors,
                       String disagreement) throws IOException {
        List<Layer> built = new ArrayList<>();
        Map<String, List<String>> names = new LinkedHashMap<>();
        for (int i = 0; i < recipes.size(); i++) {
            LayerRecipe recipe = recipes.get(i);
            List<Integer> from = inbound.getOrDefault(i, i == 0 ? List.of() : List.of(i - 1));
            List<Shape> shapes = new ArrayList<>();
            for (int k : from) {
                shapes.add(built.get(k).outputShape());
            }
            if (inbound.containsKey(i)) {
                names.put(recipe.name(), from.stream().map(k -> built.get(k).name()).toList());
            }
            try {
                built.add(layer(file, recipe, shapes, tensors, disagreement));
            } catch (IllegalArgumentException e) {
                throw new ModelFileException(file, recipe.name(), "layer '" + recipe.name() + "': " + e.getMessage() + " ("
                        + disagreement + ")", e);
            }
        }
        try {
            return new Model(built, names);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, null, e.getMessage(), e);
        }
    }

    private static Layer layer(Path file, LayerRecipe recipe, List<Shape> inputs, LayerAssembler.Tensors tensors,
                               String disagreement) throws IOException {
        String type = recipe.description().type();
        if (type.equals(InputLayer.TYPE)) {
            return new InputLayer(recipe.name(), recipe.inputShape());
        }
        if (type.equals(Add.TYPE)) {
            return new Add(recipe.name(), inputs);
        }
        if (type.equals(Concatenate.TYPE)) {
            return new Concatenate(recipe.name(), inputs, recipe.description().integer("axis"));
        }
        if (!inputs.isEmpty() && recipe.inputShape() != null && !recipe.inputShape().equals(inputs.get(0))) {
            throw new ModelFileException(file, recipe.name(), "layer '" + recipe.name() + "' takes shape " + recipe.inputShape()
                    + " but its input gives " + inputs.get(0) + ": " + disagreement);
        }
        LayerRecipe placed = inputs.isEmpty() ? recipe : recipe.withInputShape(inputs.get(0));
        return LayerAssembler.layers(file, List.of(placed), tensors, disagreement).get(0);
    }
}
