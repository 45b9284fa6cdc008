package dev.graft.exec;

import dev.graft.spi.Backend;
import dev.graft.spi.DeviceBuffer;

/**
 * What an executor gives a layer when it places it on a backend: the backend, the parameter
 * buffers (already holding the layer's values), the gradient buffers it wants filled, scratch
 * memory it owns, and kernel families (the backend's own or a default composition).
 */
public interface OpContext {

    Backend backend();

    /** Whether the network takes training steps (else it only predicts; no training-mode scratch is needed). */
    boolean trains();

    /** The largest batch the network will run; scratch buffers are sized for it. */
    int maxBatch();

    /** The device buffer of parameter {@code name}, holding its values. */
    DeviceBuffer parameter(String name);

    /**
     * The buffer for parameter {@code name}'s gradient, or null when none is computed (frozen layer,
     * non-trainable state, inference-only network, or below the lowest trainable layer).
     */
    DeviceBuffer gradient(String name);

    /**
     * For an op that {@link LayerOp#appliesSgdItself applies SGD itself}: the learning rate of this
     * step for its parameters when the executor left the update to it (plain SGD without momentum or
     * L2), read at each backward pass (a schedule may change it); NaN when the op must only write its
     * {@link #gradient} buffers and the executor updates.
     */
    default float foldedSgdRate() {
        return Float.NaN;
    }

    /** A zero-filled buffer owned by the network (freed when it closes). */
    DeviceBuffer allocate(long length);

    /**
     * A kernel family: the backend's own implementation if it offers one
     * ({@link Backend#capability}), else the default composition over the core kernels.
     *
     * @throws IllegalArgumentException if the family has neither
     */
    <T> T kernels(Class<T> family);
}
