package dev.graft;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes a model in a format that needs a runtime a backend module brings (e.g. a TensorFlow
 * SavedModel, built by TF itself). Registered in {@code META-INF/services/dev.graft.ModelExporter}
 * and found by {@code graft-loader}'s {@code ModelExporters}, so that callers export without a
 * compile dependency on the backend.
 */
public interface ModelExporter {

    /** The format written, e.g. {@code saved-model}. */
    String format();

    /**
     * Writes {@code model} to {@code target}, never leaving a half-written result there.
     *
     * @throws IllegalArgumentException naming the layer and this exporter when the model holds a layer it cannot write
     * @throws IOException              when writing fails
     */
    void export(Model model, Path target) throws IOException;
}
