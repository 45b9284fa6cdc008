package dev.graft;

import java.util.Map;

/**
 * Recreates layers of one type from what formats store: name, input shape, {@link LayerDescription}
 * and parameter values. Registered in {@code META-INF/services/dev.graft.LayerType}, so that a new
 * layer type (in a library or in a test) is read and written by every format with no edit to it.
 */
public interface LayerType {

    /** The description type this factory reads, e.g. {@code dense}. */
    String type();

    /**
     * The layer with this configuration and these parameter values (one entry per descriptor).
     *
     * @throws IllegalArgumentException naming the layer when the description or values do not fit
     */
    Layer create(String name, Shape inputShape, LayerDescription description, Map<String, float[]> parameters,
                 boolean trainable);
}
