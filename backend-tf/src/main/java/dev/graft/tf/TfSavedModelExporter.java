package dev.graft.tf;

import dev.graft.Model;
import dev.graft.ModelExporter;
import java.nio.file.Path;

/** Registers {@link TfExport#savedModel} as the {@code saved-model} exporter, found by {@code graft-loader}'s {@code ModelExporters}. */
public final class TfSavedModelExporter implements ModelExporter {

    @Override
    public String format() {
        return "saved-model";
    }

    @Override
    public void export(Model model, Path target) {
        TfExport.savedModel(model, target);
    }
}
