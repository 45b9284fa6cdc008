package dev.graft;

import java.security.MessageDigest;

/**
 * One named layer of a {@link Model}. Layers are immutable values: "changing" one (freezing it,
 * giving it new weights) returns a new layer, so a model handed to surgery or training is never
 * modified behind its owner's back.
 *
 * <p>A frozen layer ({@code trainable() == false}) gets no gradient and runs in inference mode
 * (dropout off) during training.
 */
public sealed interface Layer permits Dense, Dropout {

    /** Unique within its model; the name surgery and optimizers refer to. */
    String name();

    int inputWidth();

    int outputWidth();

    boolean trainable();

    /** The same layer with the given trainability. */
    Layer withTrainable(boolean trainable);

    /** Number of scalar parameters (weights and biases). */
    long parameterCount();

    /**
     * Feeds everything that determines this layer's output for a given input (configuration and
     * parameter bytes, not trainability) into {@code digest}; used for cache keys.
     */
    void digestInto(MessageDigest digest);
}
