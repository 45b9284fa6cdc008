package dev.graft;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The edges of a {@link Model}: each layer's inputs and consumers by position, resolved and checked
 * once. Kept apart from {@code Model} so that the model's surface stays readable.
 */
final class ModelGraph {

    private final List<Layer> layers;
    private final List<List<Integer>> inputs = new ArrayList<>();
    private final List<List<Integer>> consumers = new ArrayList<>();
    private final List<Shape> inputShapes;
    private final boolean chain;

    ModelGraph(List<Layer> layers, Map<String, List<String>> inbound) {
        this.layers = layers;
        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            position.put(layers.get(i).name(), i);
        }
        for (String name : inbound.keySet()) {
            if (!position.containsKey(name)) {
                throw new IllegalArgumentException("the inbound map names layer '" + name + "', which is not a layer of the model "
                        + "(layers: " + names() + ")");
            }
        }
        boolean isChain = true;
        boolean hasInputLayers = false;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            List<Integer> in = resolve(layer, i, inbound.get(layer.name()), position);
            inputs.add(in);
            checkShapes(layer, i, in);
            boolean isInput = layer instanceof InputLayer;
            hasInputLayers |= isInput && i > 0;
            isChain &= i == 0 ? in.isEmpty() : !isInput && in.equals(List.of(i - 1));
        }
        if (hasInputLayers && !(layers.get(0) instanceof InputLayer)) {
            throw new IllegalArgumentException("layer '" + layers.get(0).name() + "' reads the model's input, but the model also "
                    + "has input layers: with input layers, the first layer must be one (add an InputLayer of shape "
                    + layers.get(0).inputShape() + " first)");
        }
        for (int i = 0; i < layers.size(); i++) {
            consumers.add(new ArrayList<>());
        }
        for (int i = 0; i < layers.size(); i++) {
            for (int from : new TreeSet<>(inputs.get(i))) {
                consumers.get(from).add(i);
            }
        }
        for (int i = 0; i < layers.size() - 1; i++) {
            if (consumers.get(i).isEmpty()) {
                throw new IllegalArgumentException("layer '" + layers.get(i).name() + "' feeds no layer: only the last layer ('"
                        + layers.get(layers.size() - 1).name() + "') is the model's output (a dangling branch; drop it, or "
                        + "merge it into the output)");
            }
        }
        for (int i = 0; i < layers.size(); i++) {
            inputs.set(i, List.copyOf(inputs.get(i)));
            consumers.set(i, List.copyOf(consumers.get(i)));
        }
        this.chain = isChain;
        List<Shape> shapes = new ArrayList<>();
        for (Layer layer : layers) {
            if (layer instanceof InputLayer) {
                shapes.add(layer.outputShape());
            }
        }
        this.inputShapes = shapes.isEmpty() ? List.of(layers.get(0).inputShape()) : List.copyOf(shapes);
    }

    private List<Integer> resolve(Layer layer, int i, List<String> given, Map<String, Integer> position) {
        if (layer instanceof InputLayer) {
            if (given != null && !given.isEmpty()) {
                throw new IllegalArgumentException("input layer '" + layer.name() + "' takes no layer's output, but the inbound "
                        + "map gives it " + given);
            }
            return List.of();
        }
        if (given == null) {
            return i == 0 ? List.of() : List.of(i - 1);
        }
        if (given.isEmpty() && i > 0) {
            throw new IllegalArgumentException("layer '" + layer.name() + "' takes no input: only input layers and the first "
                    + "layer may (give its inbound layers, or make it an InputLayer)");
        }
        List<Integer> in = new ArrayList<>();
        for (String name : given) {
            Integer from = position.get(name);
            if (from == null) {
                throw new IllegalArgumentException("layer '" + layer.name() + "' takes input from '" + name
                        + "', which is not a layer of the model (layers: " + names() + ")");
            }
            if (from >= i) {
                throw new IllegalArgumentException("layer '" + layer.name() + "' takes input from '" + name + "', which comes "
                        + (from == i ? "is the layer itself" : "after it in the list") + ": layers must be in topological order "
                        + "(every layer after the layers feeding it), which also rules out cycles");
            }
            in.add(from);
        }
        return in;
    }

    private void checkShapes(Layer layer, int i, List<Integer> in) {
        List<Shape> expected = layer.inputShapes();
        if (in.isEmpty()) {
            if (expected.size() != 1) {
                throw new IllegalArgumentException("layer '" + layer.name() + "' takes " + expected.size()
                        + " inputs but reads only the model's input; give its inbound layers");
            }
            return;
        }
        if (expected.size() != in.size()) {
            throw new IllegalArgumentException("layer '" + layer.name() + "' takes " + expected.size() + " input(s), shapes "
                    + expected + ", but the inbound map gives it " + in.size() + ": "
                    + in.stream().map(j -> layers.get(j).name()).toList());
        }
        for (int k = 0; k < in.size(); k++) {
            Layer from = layers.get(in.get(k));
            if (!from.outputShape().equals(expected.get(k))) {
                if (in.size() == 1 && in.get(0) == i - 1) {
                    throw new IllegalArgumentException(Model.chainError(layer, from));
                }
                throw new IllegalArgumentException("layer '" + layer.name() + "' takes shape " + expected.get(k)
                        + (in.size() > 1 ? " as input " + k : "") + ", but layer '" + from.name() + "' feeding it gives "
                        + from.outputShape());
            }
        }
    }

    List<Integer> inputs(int i) {
        return inputs.get(i);
    }

    List<Integer> consumers(int i) {
        return consumers.get(i);
    }

    boolean chain() {
        return chain;
    }

    List<Shape> inputShapes() {
        return inputShapes;
    }

    /** The position of a layer that keeps {@code n} from being a single-tensor cut; empty at a cut. */
    Optional<Integer> cutBlocker(int n) {
        if (n < 0 || n > layers.size()) {
            throw new IllegalArgumentException("cut " + n + " is outside 0.." + layers.size());
        }
        if (chain || n == 0 || n == layers.size()) {
            return Optional.empty();
        }
        for (int j = n; j < layers.size(); j++) {
            if (layers.get(j) instanceof InputLayer) {
                return Optional.of(j);
            }
            for (int from : inputs.get(j)) {
                if (from < n - 1) {
                    return Optional.of(from);
                }
            }
        }
        return Optional.empty();
    }

    private List<String> names() {
        return layers.stream().map(Layer::name).toList();
    }

    /** {@link Model#slice} of a graph. */
    static Model slice(Model model, int from, int to) {
        for (int end : new int[] {from, to}) {
            Optional<String> blocker = model.cutBlocker(end);
            if (blocker.isPresent()) {
                throw new IllegalArgumentException("cannot cut the graph " + (end == 0 ? "at its input" : "above layer '"
                        + model.layer(end - 1).name() + "'") + ": '" + blocker.get() + "' "
                        + (model.layer(blocker.get()) instanceof InputLayer ? "is an input above the cut"
                        : "also feeds a layer above it") + ", so more than one tensor crosses");
            }
        }
        List<Layer> layers = new ArrayList<>();
        Map<String, List<String>> inbound = new LinkedHashMap<>();
        int edgesFromCut = 0;
        for (int j = from; j < to; j++) {
            edgesFromCut += Collections.frequency(model.inputIndices(j), from - 1);
        }
        boolean needsInput = from > 0 && (edgesFromCut != 1 || !model.inputIndices(from).equals(List.of(from - 1)));
        if (needsInput) {
            Layer cut = model.layer(from - 1);
            layers.add(new InputLayer(cut.name(), cut.outputShape()));
        }
        for (int j = from; j < to; j++) {
            layers.add(model.layer(j));
            List<Integer> in = model.inputIndices(j);
            if (j > from || needsInput) {
                inbound.put(model.layer(j).name(), in.stream().map(i -> model.layer(i).name()).toList());
            }
        }
        return new Model(layers, inbound);
    }

    /** {@link Model#concat}. */
    static Model concat(Model bottom, Model top) {
        Layer output = bottom.layer(bottom.size() - 1);
        List<Layer> layers = new ArrayList<>(bottom.layers());
        Map<String, List<String>> inbound = new LinkedHashMap<>(bottom.inbound());
        int start = 0;
        if (top.layer(0) instanceof InputLayer in && in.name().equals(output.name())) {
            if (!in.outputShape().equals(output.outputShape())) {
                throw new IllegalArgumentException("the top model's input '" + in.name() + "' has shape " + in.outputShape()
                        + " but the bottom model's output layer of that name gives " + output.outputShape());
            }
            start = 1;
        }
        if (top.size() - start == 0) {
            return bottom;
        }
        for (int j = start; j < top.size(); j++) {
            Layer layer = top.layer(j);
            if (layer instanceof InputLayer) {
                throw new IllegalArgumentException("cannot put a model with input layer '" + layer.name() + "' on top of another: "
                        + "its input would be unfed");
            }
            layers.add(layer);
            List<String> in = top.inputsOf(layer.name());
            inbound.put(layer.name(), j == 0 ? List.of(output.name()) : in);
        }
        return bottom.isChain() && top.isChain() && start == 0 ? new Model(layers) : new Model(layers, inbound);
    }
}
