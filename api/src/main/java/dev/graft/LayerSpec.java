package dev.graft;

import java.util.SplittableRandom;

/**
 * A layer still to be created: everything but its input shape and initial values, which surgery
 * and {@link Model.Builder} fill in from the layer below and a seeded random source.
 */
public interface LayerSpec {

    String name();

    /** Creates the layer for the given input shape, drawing initial values from {@code random}. */
    Layer create(Shape inputShape, SplittableRandom random);
}
