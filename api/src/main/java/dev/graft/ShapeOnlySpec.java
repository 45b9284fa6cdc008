package dev.graft;

import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * The spec of a layer that draws nothing at random: its input shape alone makes it (the shape-only
 * layers, activation, dropout, a fresh batch norm), so each of their {@code spec} methods is one line.
 */
record ShapeOnlySpec(String name, Function<Shape, Layer> factory) implements LayerSpec {

    @Override
    public Layer create(Shape inputShape, SplittableRandom random) {
        return factory.apply(inputShape);
    }
}
