package dev.graft.loader;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Dropout;
import dev.graft.LayerDescription;
import dev.graft.Shape;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One layer as a reader recovered it from a file, before it is built: its name, its
 * {@link LayerDescription} (type and configuration), its trainability, where each parameter's values
 * are stored, and the input shape the file says it takes (null when the file does not say, e.g. a
 * dropout layer). {@link LayerAssembler} turns a list of recipes into a model, for every layer type
 * a {@link dev.graft.LayerType} registers; readers only translate their file's vocabulary.
 *
 * @param parameters by parameter name; a source with a null tensor means "expected, not located yet"
 */
public record LayerRecipe(String name, LayerDescription description, boolean trainable,
                          Map<String, Source> parameters, Shape inputShape) {

    /** Where one parameter is stored: the tensor's name in the file, and whether it is stored transposed ({@code [out, in]}). */
    public record Source(String tensor, boolean transposed) {
    }

    public LayerRecipe {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** A dense layer whose kernel (and bias, unless null) are stored under these names. */
    public static LayerRecipe dense(String name, int units, Activation activation, String kernel, String bias,
                                    boolean transposed, boolean trainable, Shape inputShape) {
        Map<String, Source> params = new LinkedHashMap<>();
        params.put("kernel", new Source(kernel, transposed));
        if (bias != null) {
            params.put("bias", new Source(bias, false));
        }
        return new LayerRecipe(name, Dense.describe(units, activation), trainable, params, inputShape);
    }

    /** A dropout layer. */
    public static LayerRecipe dropout(String name, float rate, boolean trainable) {
        return new LayerRecipe(name, LayerDescription.of(Dropout.TYPE).with("rate", rate), trainable, Map.of(), null);
    }

    public LayerRecipe withName(String newName) {
        return new LayerRecipe(newName, description, trainable, parameters, inputShape);
    }

    public LayerRecipe withDescription(LayerDescription newDescription) {
        return new LayerRecipe(name, newDescription, trainable, parameters, inputShape);
    }

    public LayerRecipe withParameters(Map<String, Source> newParameters) {
        return new LayerRecipe(name, description, trainable, newParameters, inputShape);
    }

    public LayerRecipe withInputShape(Shape shape) {
        return new LayerRecipe(name, description, trainable, parameters, shape);
    }
}
