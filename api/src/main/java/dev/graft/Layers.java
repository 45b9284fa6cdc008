package dev.graft;

import java.util.Map;

/** Checks shared by the built-in layer types. */
final class Layers {

    private Layers() {
    }

    static void requireFinite(String layer, String what, float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException("layer '" + layer + "': " + what + "[" + i + "] is " + values[i]);
            }
        }
    }

    /** The width of a rank-1 input shape, or an error naming the layer for any other shape. */
    static int vectorWidth(String layer, String type, Shape input) {
        if (input.rank() != 1) {
            throw new IllegalArgumentException("layer '" + layer + "' (" + type + ") takes a vector per sample, but its input shape is "
                    + input + ": flatten it first");
        }
        return input.dim(0);
    }

    static float[] require(String layer, Map<String, float[]> values, String parameter) {
        float[] v = values.get(parameter);
        if (v == null) {
            throw new IllegalArgumentException("layer '" + layer + "': parameter '" + parameter + "' is missing (given "
                    + values.keySet() + ")");
        }
        return v;
    }

    /** Rejects names that are not parameters of {@code layer}; returns the layer (what a {@link LayerType} gives back). */
    static <L extends Layer> L checkNames(L layer, Map<String, float[]> values) {
        for (String name : values.keySet()) {
            layer.parameter(name);
        }
        return layer;
    }
}
