package dev.graft;

import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The {@link LayerType}s found by {@link ServiceLoader}: how formats and loaders turn descriptions back into layers. */
public final class LayerTypes {

    private LayerTypes() {
    }

    /** The factory for {@code type}, if one is registered. */
    public static Optional<LayerType> find(String type) {
        return Optional.ofNullable(all().get(type));
    }

    /**
     * Recreates a layer.
     *
     * @throws IllegalArgumentException naming the layer and type when no factory is registered
     *         (listing the known types), or the factory's own complaint
     */
    public static Layer create(String name, Shape inputShape, LayerDescription description,
                               Map<String, float[]> parameters, boolean trainable) {
        LayerType factory = find(description.type()).orElseThrow(() -> new IllegalArgumentException(
                "layer '" + name + "' has type '" + description.type() + "', which no registered LayerType reads (known: "
                        + all().keySet() + "); put the jar that defines it on the class path (it registers a "
                        + "dev.graft.LayerType in META-INF/services)"));
        return factory.create(name, inputShape, description, parameters, trainable);
    }

    /** Every registered type by name. Loaded per call with the context class loader, so late additions are seen. */
    public static Map<String, LayerType> all() {
        Map<String, LayerType> types = new TreeMap<>();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        ServiceLoader<LayerType> services = ServiceLoader.load(LayerType.class,
                loader != null ? loader : LayerTypes.class.getClassLoader());
        for (LayerType t : services) {
            types.putIfAbsent(t.type(), t);
        }
        if (!types.containsKey("dense")) {
            // Built-ins even where the service file is not visible to the context loader (shaded or odd class loaders).
            for (LayerType t : ServiceLoader.load(LayerType.class, LayerTypes.class.getClassLoader())) {
                types.putIfAbsent(t.type(), t);
            }
        }
        return types;
    }
}
