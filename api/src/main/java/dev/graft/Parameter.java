package dev.graft;

import java.util.Objects;

/**
 * Describes one parameter tensor of a layer: its name (unique within the layer, e.g.
 * {@code kernel}), its shape and its role. The executor allocates device buffers, gradients and
 * optimizer slots from these descriptors, and formats store one tensor per descriptor.
 */
public record Parameter(String name, Shape shape, Role role) {

    /** What a parameter is for. */
    public enum Role {
        /** Trained, and decayed by L2. */
        WEIGHT,
        /** Trained, never decayed. */
        BIAS,
        /**
         * Not trained by the optimizer (no gradient); a trainable layer may update it itself while
         * training, e.g. batch-norm moving statistics. Saved and restored with the model.
         */
        STATE;

        /** Whether the optimizer updates parameters of this role. */
        public boolean trainable() {
            return this != STATE;
        }
    }

    public Parameter {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(role, "role");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("parameter name is empty");
        }
    }

    /** Number of values. */
    public int size() {
        return shape.size();
    }
}
