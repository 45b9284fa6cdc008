package dev.graft;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

/**
 * An ordered stack of named layers, each one's output shape equal to the next one's input shape.
 *
 * <p>A model is immutable: surgery ({@link Transfer}) and training return new models and leave
 * this one usable as it was. Saving and loading live in {@code graft-loader}.
 */
public final class Model {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.\\-/]+");

    private final List<Layer> layers;

    /**
     * A model of the given layers, in order from input to output.
     *
     * @throws IllegalArgumentException naming both layers and shapes when one layer does not feed the next,
     *         or naming a duplicate layer name
     */
    public Model(List<? extends Layer> layers) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a model needs at least one layer");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = Objects.requireNonNull(layers.get(i), "layer " + i);
            if (!names.add(layer.name())) {
                throw new IllegalArgumentException("two layers are named '" + layer.name() + "'");
            }
            if (i > 0) {
                Layer below = layers.get(i - 1);
                if (!below.outputShape().equals(layer.inputShape())) {
                    throw new IllegalArgumentException(chainError(layer, below));
                }
            }
        }
        this.layers = List.copyOf(layers);
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

    public List<Layer> layers() { return layers; }

    public int size() { return layers.size(); }

    public Layer layer(int index) { return layers.get(index); }

    public int inputWidth() { return layers.get(0).inputWidth(); }

    public int outputWidth() { return layers.get(layers.size() - 1).outputWidth(); }

    public Shape inputShape() { return layers.get(0).inputShape(); }

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

    /** Number of leading frozen layers: the part whose output can be computed once and cached. */
    public int frozenPrefixLength() {
        int n = 0;
        while (n < layers.size() && !layers.get(n).trainable()) {
            n++;
        }
        return n;
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

    /** Layers {@code [from, to)} as a model of their own. */
    public Model slice(int from, int to) {
        return new Model(layers.subList(from, to));
    }

    /** This model with layer {@code index} replaced by {@code layer} (shapes must still chain). */
    public Model with(int index, Layer layer) {
        List<Layer> copy = new ArrayList<>(layers);
        copy.set(index, layer);
        return new Model(copy);
    }

    /** This model followed by {@code top}'s layers. */
    public Model concat(Model top) {
        List<Layer> all = new ArrayList<>(layers);
        all.addAll(top.layers);
        return new Model(all);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Model(").append(shapeText(inputShape()));
        for (Layer layer : layers) {
            sb.append(" -> ").append(layer.name()).append(' ').append(shapeText(layer.outputShape()));
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
