package dev.graft;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Builds a fresh graph {@link Model} layer by layer, each layer naming the layers that feed it;
 * started by {@link Model#graph(long)}. Layers are initialised from the seed in the order they are
 * added, and the last layer added is the output.
 *
 * <pre>{@code
 * Model block = Model.graph(7)
 *         .input("image", Shape.of(8, 8, 4))
 *         .add(Conv2D.spec("conv1", 4, ConvWindow.of(3).same(), Activation.RELU), "image")
 *         .add(Conv2D.spec("conv2", 4, ConvWindow.of(3).same(), Activation.IDENTITY), "conv1")
 *         .merge(Add.spec("residual"), "conv2", "image")
 *         .build();
 * }</pre>
 */
public final class GraphBuilder {

    private final SplittableRandom random;
    private final List<Layer> layers = new ArrayList<>();
    private final Map<String, List<String>> inbound = new LinkedHashMap<>();
    private final Map<String, Layer> byName = new HashMap<>();

    GraphBuilder(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** Adds an input of samples of {@code shape} (see {@link InputLayer}). */
    public GraphBuilder input(String name, Shape shape) {
        return put(new InputLayer(name, shape), List.of());
    }

    /** Adds a layer fed by the layer added last. */
    public GraphBuilder add(LayerSpec spec) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("layer '" + spec.name() + "': add an input first");
        }
        return add(spec, layers.get(layers.size() - 1).name());
    }

    /** Adds a layer fed by layer {@code input}. */
    public GraphBuilder add(LayerSpec spec, String input) {
        return put(spec.create(output(input), random.split()), List.of(input));
    }

    /** Adds a merge ({@link Add#spec}, {@link Concatenate#spec}) fed by {@code inputs}, in order. */
    public GraphBuilder merge(MergeSpec spec, String... inputs) {
        return put(spec.create(Arrays.stream(inputs).map(this::output).toList()), List.of(inputs));
    }

    /** Adds a ready-made layer fed by {@code inputs} (shapes are checked by {@link #build()}). */
    public GraphBuilder add(Layer layer, String... inputs) {
        return put(Objects.requireNonNull(layer, "layer"), List.of(inputs));
    }

    /** The model; its output is the layer added last. */
    public Model build() {
        return new Model(layers, inbound);
    }

    private Shape output(String name) {
        Layer layer = byName.get(name);
        if (layer == null) {
            throw new IllegalArgumentException("no layer named '" + name + "' has been added yet (added: " + byName.keySet() + ")");
        }
        return layer.outputShape();
    }

    private GraphBuilder put(Layer layer, List<String> inputs) {
        layers.add(layer);
        byName.put(layer.name(), layer);
        if (!(layer instanceof InputLayer)) {
            inbound.put(layer.name(), inputs);
        }
        return this;
    }
}
