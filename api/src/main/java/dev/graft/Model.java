package dev.graft;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

/**
 * Named layers from input to output: a chain (each layer's output feeds the next), or a directed
 * acyclic graph (residual blocks, branches joined by {@link Add} or {@link Concatenate}, several
 * {@link InputLayer}s) given by each layer's inbound layers. Layers are kept in topological order:
 * every layer comes after the layers feeding it, and the last layer is the model's one output.
 *
 * <p>A model is immutable: surgery ({@link Transfer}) and training return new models and leave
 * this one usable as it was. Saving and loading live in {@code graft-loader}.
 */
public final class Model {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.\\-/]+");

    private final List<Layer> layers;
    private final ModelGraph graph;
    /** Computed once: the training loop asks for it every step. */
    private final int inputWidth;

    /**
     * A chain of the given layers, in order from input to output.
     *
     * @throws IllegalArgumentException naming both layers and shapes when one layer does not feed the next,
     *         or naming a duplicate layer name
     */
    public Model(List<? extends Layer> layers) {
        this(layers, Map.of());
    }

    /**
     * A graph of the given layers, in topological order (input first, output last). {@code inbound}
     * maps a layer's name to the names of the layers feeding it, in input order (for a merge, its
     * inputs' order). A layer absent from the map takes the layer just before it in the list; the
     * first layer, if absent, takes the model's input; an {@link InputLayer} takes nothing.
     *
     * @throws IllegalArgumentException naming the layers (and shapes) when names repeat, an inbound
     *         name is unknown or not earlier in the list, a shape does not match the layer feeding it,
     *         a layer other than the last feeds nothing (a dangling branch), or a layer other than the
     *         first and the input layers takes no input
     */
    public Model(List<? extends Layer> layers, Map<String, List<String>> inbound) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a model needs at least one layer");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = Objects.requireNonNull(layers.get(i), "layer " + i);
            if (!names.add(layer.name())) {
                throw new IllegalArgumentException("two layers are named '" + layer.name() + "'");
            }
        }
        this.layers = List.copyOf(layers);
        this.graph = new ModelGraph(this.layers, Objects.requireNonNull(inbound, "inbound"));
        this.inputWidth = graph.inputShapes().stream().mapToInt(Shape::size).sum();
    }

    /** Starts a model with the given number of input features; layers are initialised from {@code seed}. */
    public static Builder builder(int inputWidth, long seed) {
        if (inputWidth <= 0) {
            throw new IllegalArgumentException("input width must be positive, got " + inputWidth);
        }
        return new Builder(Shape.vector(inputWidth), seed);
    }

    /** Starts a model whose samples have the given shape (e.g. {@code [28, 28, 1]}); layers are initialised from {@code seed}. */
    public static Builder builder(Shape inputShape, long seed) {
        return new Builder(Objects.requireNonNull(inputShape, "inputShape"), seed);
    }

    /** Starts a graph model (residual blocks, branches, several inputs); layers are initialised from {@code seed}. */
    public static GraphBuilder graph(long seed) {
        return new GraphBuilder(seed);
    }

    public List<Layer> layers() { return layers; }

    public int size() { return layers.size(); }

    public Layer layer(int index) { return layers.get(index); }

    /** Values per sample: the sum over the model's inputs ({@link #inputShapes()}). */
    public int inputWidth() {
        return inputWidth;
    }

    public int outputWidth() { return layers.get(layers.size() - 1).outputWidth(); }

    /**
     * The shape of one sample: the input's shape, or for a model with several inputs a vector of
     * their values concatenated in {@link #inputShapes()} order.
     */
    public Shape inputShape() {
        List<Shape> shapes = inputShapes();
        return shapes.size() == 1 ? shapes.get(0) : Shape.vector(inputWidth());
    }

    /**
     * The shapes of the model's inputs: those of its {@link InputLayer}s in list order, or the first
     * layer's input shape when it has none. A sample's features are the inputs' values concatenated
     * in this order.
     */
    public List<Shape> inputShapes() {
        return graph.inputShapes();
    }

    /** Whether every layer takes exactly the layer before it (an {@link InputLayer} may only come first). */
    public boolean isChain() {
        return graph.chain();
    }

    /** The names of the layers feeding {@code layer}, in input order; empty for an input layer and a first layer reading the model's input. */
    public List<String> inputsOf(String layer) {
        return graph.inputs(indexOf(layer)).stream().map(i -> layers.get(i).name()).toList();
    }

    /** The names of the layers that {@code layer}'s output feeds, in list order (each once); empty for the output layer. */
    public List<String> consumersOf(String layer) {
        return graph.consumers(indexOf(layer)).stream().map(i -> layers.get(i).name()).toList();
    }

    /** The positions of the layers feeding layer {@code index}, in input order (see {@link #inputsOf}). */
    public List<Integer> inputIndices(int index) {
        return graph.inputs(index);
    }

    /** The positions of the layers that layer {@code index}'s output feeds, ascending, each once. */
    public List<Integer> consumerIndices(int index) {
        return graph.consumers(index);
    }

    /**
     * The inbound lists of every layer that takes other layers' outputs (input layers and a first
     * layer reading the model's input are absent): with {@link #layers()}, what recreates the model.
     */
    public Map<String, List<String>> inbound() {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            if (!graph.inputs(i).isEmpty()) {
                map.put(layers.get(i).name(), graph.inputs(i).stream().map(j -> layers.get(j).name()).toList());
            }
        }
        return map;
    }

    /**
     * Whether a single tensor crosses between layers {@code [0, n)} and {@code [n, size)}: every edge
     * into the upper part comes from layer {@code n - 1}, and no input layer is in the upper part.
     * True for every {@code n} of a chain, and for 0 and {@code size()}.
     */
    public boolean isCut(int n) {
        return graph.cutBlocker(n).isEmpty();
    }

    /**
     * Why {@code n} is not a cut ({@link #isCut}), for messages: a layer below {@code n - 1} whose output
     * also feeds a layer at or above {@code n}, or an input layer at or above {@code n}; empty at a cut.
     */
    public Optional<String> cutBlocker(int n) {
        return graph.cutBlocker(n).map(i -> layers.get(i).name());
    }

    public Shape outputShape() { return layers.get(layers.size() - 1).outputShape(); }

    /** The layer with this name. */
    public Layer layer(String name) {
        return layers.get(indexOf(name));
    }

    /** The layer's position, 0 at the input. */
    public int indexOf(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException(
                "no layer named '" + name + "'; layers are " + names()));
    }

    /** The layer's position if the model has it. */
    public Optional<Integer> find(String name) {
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).name().equals(name)) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    public List<String> names() {
        return layers.stream().map(Layer::name).toList();
    }

    /**
     * Number of leading frozen layers: the part whose output can be computed once and cached. For a
     * graph, the largest {@code n} such that layers {@code [0, n)} are frozen and {@code n} is a
     * single-tensor cut ({@link #isCut}); 0 when there is none, or when it holds only input layers.
     */
    public int frozenPrefixLength() {
        int n = 0;
        while (n < layers.size() && !layers.get(n).trainable()) {
            n++;
        }
        while (n > 0 && !isCut(n)) {
            n--;
        }
        // Input layers alone compute nothing worth caching (an input layer is always frozen).
        return layers.subList(0, n).stream().allMatch(l -> l instanceof InputLayer) ? 0 : n;
    }

    /** Whether any layer has a parameter that training updates. */
    public boolean hasTrainableParameters() {
        return layers.stream().anyMatch(Layer::hasTrainableParameters);
    }

    public long parameterCount() {
        return layers.stream().mapToLong(Layer::parameterCount).sum();
    }

    public long trainableParameterCount() {
        return layers.stream().filter(Layer::trainable).mapToLong(Layer::parameterCount).sum();
    }

    /**
     * Layers {@code [from, to)} as a model of their own. On a graph both ends must be cuts
     * ({@link #isCut}); the slice reads the tensor crossing at {@code from}: its first layer takes it as
     * the model's input, or, when several layers of the slice read it, an {@link InputLayer} named as
     * layer {@code from - 1} (and of its output shape) comes first and feeds them. {@link #concat}
     * undoes that.
     *
     * @throws IllegalArgumentException naming the layer whose output also crosses a non-cut end
     */
    public Model slice(int from, int to) {
        if (from < 0 || to > layers.size() || from >= to) {
            throw new IllegalArgumentException("cannot slice layers [" + from + ", " + to + ") of a model of " + layers.size());
        }
        if (graph.chain()) {
            return new Model(layers.subList(from, to));
        }
        return ModelGraph.slice(this, from, to);
    }

    /** This model with layer {@code index} replaced by {@code layer} (same edges; shapes must still fit). */
    public Model with(int index, Layer layer) {
        List<Layer> copy = new ArrayList<>(layers);
        copy.set(index, layer);
        return withLayers(copy);
    }

    /**
     * This model's edges over other layers of the same names, in the same order (e.g. with new
     * parameter values or trainability).
     */
    public Model withLayers(List<? extends Layer> replacement) {
        if (replacement.size() != layers.size()) {
            throw new IllegalArgumentException("expected " + layers.size() + " layers, got " + replacement.size());
        }
        for (int i = 0; i < layers.size(); i++) {
            if (!replacement.get(i).name().equals(layers.get(i).name())) {
                throw new IllegalArgumentException("layer " + i + " is '" + layers.get(i).name() + "', not '"
                        + replacement.get(i).name() + "'");
            }
        }
        return graph.chain() ? new Model(replacement) : new Model(replacement, inbound());
    }

    /**
     * This model followed by {@code top}'s layers: {@code top}'s input is this model's output. A
     * {@code top} that starts with an {@link InputLayer} named as this model's output layer (as
     * {@link #slice} makes) has it replaced by that layer.
     */
    public Model concat(Model top) {
        return ModelGraph.concat(this, top);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Model(").append(shapeText(inputShape()));
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            sb.append(" -> ").append(layer.name());
            List<Integer> in = graph.inputs(i);
            if (!graph.chain() && !(in.size() == 1 && in.get(0) == i - 1) && !(i == 0 && in.isEmpty())) {
                sb.append(in.stream().map(j -> layers.get(j).name()).toList());
            }
            sb.append(' ').append(shapeText(layer.outputShape()));
            if (!layer.trainable()) {
                sb.append(" (frozen)");
            }
        }
        return sb.append(')').toString();
    }

    /** "layer 'b' takes 2 inputs, shape [2], but layer 'a' below it gives 3, shape [3]". */
    static String chainError(Layer layer, Layer below) {
        return "layer '" + layer.name() + "' takes " + layer.inputWidth() + " inputs, shape " + layer.inputShape()
                + ", but layer '" + below.name() + "' below it gives " + below.outputWidth() + ", shape " + below.outputShape();
    }

    private static String shapeText(Shape shape) {
        return shape.rank() == 1 ? Integer.toString(shape.size()) : shape.toString();
    }

    static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("layer name '" + name
                    + "' must be non-empty and use letters, digits, '_', '.', '-', '/'");
        }
        return name;
    }

    /** Builds a fresh model layer by layer. */
    public static final class Builder {
        private final Shape inputShape;
        private final SplittableRandom random;
        private final List<Layer> layers = new ArrayList<>();

        private Builder(Shape inputShape, long seed) {
            this.inputShape = inputShape;
            this.random = new SplittableRandom(seed);
        }

        /** Adds a dense layer with the conventional initialiser for its activation. */
        public Builder dense(String name, int width, Activation activation) {
            return add(Dense.spec(name, width, activation));
        }

        public Builder dropout(String name, float rate) {
            return add(Dropout.spec(name, rate));
        }

        /** Adds a separate activation layer. */
        public Builder activation(String name, Activation activation) {
            return add(ActivationLayer.spec(name, activation));
        }

        /** Adds a convolution with a {@code kernelSize × kernelSize} window, stride 1, {@code valid} padding, bias, Glorot-uniform kernel. */
        public Builder conv2d(String name, int filters, int kernelSize, Activation activation) {
            return add(Conv2D.spec(name, filters, kernelSize, activation));
        }

        /** Adds a convolution with the given window (e.g. {@code ConvWindow.of(3).strides(2).same()}). */
        public Builder conv2d(String name, int filters, ConvWindow window, Activation activation) {
            return add(Conv2D.spec(name, filters, window, activation));
        }

        /** Adds a depthwise convolution (depth multiplier 1) with the given window. */
        public Builder depthwiseConv2d(String name, ConvWindow window, Activation activation) {
            return add(DepthwiseConv2D.spec(name, window, activation));
        }

        /** Adds {@code size × size} max pooling with stride {@code size} ({@code valid}). */
        public Builder maxPool(String name, int size) {
            return add(MaxPool2D.spec(name, size));
        }

        /** Adds {@code size × size} average pooling with stride {@code size} ({@code valid}). */
        public Builder avgPool(String name, int size) {
            return add(AvgPool2D.spec(name, size));
        }

        /** Adds a global average pooling: images become one value per channel. */
        public Builder globalAvgPool(String name) {
            return add(GlobalAveragePooling2D.spec(name));
        }

        /** Adds a flatten: each sample becomes a vector (channels-last order). */
        public Builder flatten(String name) {
            return add(Flatten.spec(name));
        }

        /** Adds {@code amount} zero rows and columns on every side of each image. */
        public Builder zeroPadding(String name, int amount) {
            return add(ZeroPadding2D.spec(name, amount));
        }

        public Builder add(LayerSpec spec) {
            Shape in = layers.isEmpty() ? inputShape : layers.get(layers.size() - 1).outputShape();
            layers.add(spec.create(in, random.split()));
            return this;
        }

        /** Adds a ready-made layer; its input shape must match the layer below (checked by {@link #build()}). */
        public Builder add(Layer layer) {
            layers.add(Objects.requireNonNull(layer, "layer"));
            return this;
        }

        public Model build() {
            return new Model(Collections.unmodifiableList(layers));
        }
    }
}
