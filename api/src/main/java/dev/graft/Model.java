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
 * An ordered stack of named layers, each one's output width equal to the next one's input width.
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
     * @throws IllegalArgumentException naming both layers and widths when one layer does not feed the next,
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
                if (below.outputWidth() != layer.inputWidth()) {
                    throw new IllegalArgumentException("layer '" + layer.name() + "' takes " + layer.inputWidth()
                            + " inputs but layer '" + below.name() + "' below it gives " + below.outputWidth());
                }
            }
        }
        this.layers = List.copyOf(layers);
    }

    /** Starts a model with the given number of input features; layers are initialised from {@code seed}. */
    public static Builder builder(int inputWidth, long seed) {
        return new Builder(inputWidth, seed);
    }

    public List<Layer> layers() { return layers; }

    public int size() { return layers.size(); }

    public Layer layer(int index) { return layers.get(index); }

    public int inputWidth() { return layers.get(0).inputWidth(); }

    public int outputWidth() { return layers.get(layers.size() - 1).outputWidth(); }

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

    /** Whether any parameter-holding layer is trainable. */
    public boolean hasTrainableParameters() {
        return layers.stream().anyMatch(l -> l.trainable() && l.parameterCount() > 0);
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

    /** This model with layer {@code index} replaced by {@code layer} (widths must still chain). */
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
        StringBuilder sb = new StringBuilder("Model(").append(inputWidth());
        for (Layer layer : layers) {
            sb.append(" -> ").append(layer.name()).append(' ').append(layer.outputWidth());
            if (!layer.trainable()) {
                sb.append(" (frozen)");
            }
        }
        return sb.append(')').toString();
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
        private final int inputWidth;
        private final SplittableRandom random;
        private final List<Layer> layers = new ArrayList<>();

        private Builder(int inputWidth, long seed) {
            if (inputWidth <= 0) {
                throw new IllegalArgumentException("input width must be positive, got " + inputWidth);
            }
            this.inputWidth = inputWidth;
            this.random = new SplittableRandom(seed);
        }

        /** Adds a dense layer with the conventional initialiser for its activation. */
        public Builder dense(String name, int width, Activation activation) {
            return add(Dense.spec(name, width, activation));
        }

        public Builder dropout(String name, float rate) {
            return add(Dropout.spec(name, rate));
        }

        public Builder add(LayerSpec spec) {
            int in = layers.isEmpty() ? inputWidth : layers.get(layers.size() - 1).outputWidth();
            layers.add(spec.create(in, random.split()));
            return this;
        }

        public Model build() {
            return new Model(Collections.unmodifiableList(layers));
        }
    }
}
