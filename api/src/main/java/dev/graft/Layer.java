package dev.graft;

import dev.graft.exec.LayerOp;
import dev.graft.exec.OpContext;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

/**
 * One named layer of a {@link Model}. Layers are immutable values: "changing" one (freezing it,
 * giving it new weights) returns a new layer, so a model handed to surgery or training is never
 * modified behind its owner's back.
 *
 * <p>A layer type owns its meaning in one file: its {@link #parameters() parameter descriptors},
 * its {@link #description() description} (from which formats, summaries and cache keys are
 * driven), and its computation over backend kernels ({@link #op}). A {@link LayerType} registered
 * with {@link java.util.ServiceLoader} recreates it from description and parameter values. No
 * executor, cache or format code names a layer type.
 *
 * <p>A frozen layer ({@code trainable() == false}) gets no gradient and runs in inference mode
 * (dropout off, batch-norm on its moving statistics) during training.
 */
public interface Layer {

    /** Unique within its model; the name surgery and optimizers refer to. */
    String name();

    /** The shape of one input sample. */
    Shape inputShape();

    /** The shape of one output sample. */
    Shape outputShape();

    /**
     * The shapes of every input, in order: one for most layers ({@link #inputShape()}), several for a
     * merge ({@link Add}, {@link Concatenate}, whose {@code inputShape()} is the first of them). A
     * {@link Model} checks each against the output shape of the layer feeding it.
     */
    default List<Shape> inputShapes() {
        return List.of(inputShape());
    }

    /** Values per input sample: {@code inputShape().size()}. */
    default int inputWidth() {
        return inputShape().size();
    }

    /** Values per output sample: {@code outputShape().size()}. */
    default int outputWidth() {
        return outputShape().size();
    }

    boolean trainable();

    /** The same layer with the given trainability. */
    Layer withTrainable(boolean trainable);

    /** The same layer under another name. */
    Layer withName(String name);

    /** The layer's parameter tensors, in a fixed order (empty for a layer without parameters). */
    List<Parameter> parameters();

    /** The values of parameter {@code name}, row-major in its shape, read-only and without a copy. */
    FloatBuffer parameterView(String name);

    /**
     * The same layer with some parameters replaced by the given values (copied); parameters not
     * named keep their values.
     *
     * @throws IllegalArgumentException naming the layer and parameter for an unknown name, a wrong
     *         length or a non-finite value
     */
    Layer withParameters(Map<String, float[]> values);

    /** Type and configuration; with name, input shape and parameter values it recreates the layer. */
    LayerDescription description();

    /**
     * The layer's forward and backward passes over {@code context}'s backend, with the parameter
     * buffers the executor allocated for it. Called once when a network is placed.
     */
    LayerOp op(OpContext context);

    /**
     * Whether the output is a softmax over its values, which a softmax cross-entropy loss absorbs
     * while training (the layer's op then outputs logits when told so).
     */
    default boolean endsInSoftmax() {
        return false;
    }

    /** A copy of parameter {@code name}'s values. */
    default float[] parameterValues(String name) {
        FloatBuffer view = parameterView(name);
        float[] copy = new float[view.remaining()];
        view.duplicate().get(copy);
        return copy;
    }

    /** The descriptor of parameter {@code name}. */
    default Parameter parameter(String name) {
        for (Parameter p : parameters()) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("layer '" + name() + "' (" + description().type() + ") has no parameter '"
                + name + "'; it has " + parameters().stream().map(Parameter::name).toList());
    }

    /** Number of scalar parameters, state included. */
    default long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) {
            n += p.size();
        }
        return n;
    }

    /** Whether training changes this layer: it is trainable and has a parameter the optimizer updates. */
    default boolean hasTrainableParameters() {
        return trainable() && parameters().stream().anyMatch(p -> p.role().trainable());
    }

    /** Whether both layers have the same description and bit-identical parameters (NaN-safe, {@code -0f != 0f}). */
    default boolean sameParameters(Layer other) {
        if (!description().equals(other.description()) || !parameters().equals(other.parameters())) {
            return false;
        }
        for (Parameter p : parameters()) {
            if (!java.util.Arrays.equals(parameterValues(p.name()), other.parameterValues(p.name()))) {
                return false;
            }
        }
        return true;
    }
}
