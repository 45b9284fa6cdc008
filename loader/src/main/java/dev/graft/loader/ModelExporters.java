package dev.graft.loader;

import dev.graft.Model;
import dev.graft.ModelExporter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The {@link ModelExporter}s on the class path (found by {@link ServiceLoader}), e.g. the TensorFlow
 * backend's SavedModel exporter: formats that need a runtime the loader does not carry.
 */
public final class ModelExporters {

    /** The format of a TensorFlow SavedModel directory. */
    public static final String SAVED_MODEL = "saved-model";

    private ModelExporters() {
    }

    /** The exporter for {@code format}, if one is on the class path. */
    public static Optional<ModelExporter> find(String format) {
        return Optional.ofNullable(all().get(format));
    }

    /** Every exporter by format. */
    public static Map<String, ModelExporter> all() {
        Map<String, ModelExporter> all = new TreeMap<>();
        for (ModelExporter e : ServiceLoader.load(ModelExporter.class)) {
            all.putIfAbsent(e.format(), e);
        }
        return all;
    }

    /**
     * Exports {@code model} to {@code target} in {@code format}.
     *
     * @throws IllegalStateException naming the format and what to add when no exporter is on the class path
     */
    public static void export(Model model, Path target, String format) throws IOException {
        requireChain(model, format);
        ModelExporter exporter = find(format).orElseThrow(() -> new IllegalStateException(
                "no exporter for '" + format + "' on the class path (found: " + all().keySet()
                        + "); add graft-backend-tf, which registers the TensorFlow SavedModel exporter"));
        exporter.export(model, target);
    }

    /**
     * Refuses graph models (branches, merges, several inputs) naming a layer that breaks the chain: the
     * exporters write a layer stack. Graft's own format keeps graphs.
     *
     * @throws IllegalArgumentException for a graph model
     */
    public static void requireChain(Model model, String format) {
        if (model.isChain()) {
            return;
        }
        String where = "";
        for (int i = 1; i < model.size(); i++) {
            if (!model.inputIndices(i).equals(java.util.List.of(i - 1))) {
                String name = model.layer(i).name();
                where = " (layer '" + name + "' takes " + (model.inputsOf(name).isEmpty() ? "no layer's output: it is an input"
                        : model.inputsOf(name)) + ")";
                break;
            }
        }
        throw new IllegalArgumentException("cannot export a graph model" + where + " as '" + format + "': export writes "
                + "chains of layers only; save it in Graft's format (.safetensors) instead");
    }
}
