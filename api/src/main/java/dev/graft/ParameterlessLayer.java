package dev.graft;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

/**
 * What the shape-only layers (pooling, flatten, padding) share: a name, an input shape, a
 * trainability flag (which decides only whether gradients flow through it in training) and no
 * parameters.
 */
abstract class ParameterlessLayer implements Layer {

    private final String name;
    private final Shape inputShape;
    private final boolean trainable;

    ParameterlessLayer(String name, Shape inputShape, boolean trainable) {
        this.name = Model.checkName(name);
        if (inputShape == null) {
            throw new IllegalArgumentException("layer '" + name + "': input shape is required");
        }
        this.inputShape = inputShape;
        this.trainable = trainable;
    }

    @Override public final String name() { return name; }
    @Override public final Shape inputShape() { return inputShape; }
    @Override public final boolean trainable() { return trainable; }
    @Override public final List<Parameter> parameters() { return List.of(); }
    @Override public final long parameterCount() { return 0; }

    @Override
    public final FloatBuffer parameterView(String parameter) {
        throw new IllegalArgumentException(parameter(parameter).name()); // names the layer
    }

    @Override
    public final Layer withParameters(Map<String, float[]> values) {
        Layers.checkNames(this, values);
        return this;
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && ((Layer) o).name().equals(name)
                && ((Layer) o).inputShape().equals(inputShape) && ((Layer) o).trainable() == trainable
                && ((Layer) o).description().equals(description());
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + description().hashCode();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + name + ", " + inputShape + " -> " + outputShape()
                + (trainable ? "" : ", frozen") + ")";
    }
}
