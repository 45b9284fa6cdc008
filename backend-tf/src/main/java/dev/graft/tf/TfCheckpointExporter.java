package dev.graft.tf;

import dev.graft.Model;
import dev.graft.ModelExporter;
import java.nio.file.Path;

/**
 * Registers {@link TfExport#checkpoint} as the {@code tf-runtime-checkpoint} exporter: a V2 checkpoint
 * and {@code .meta} graph written by TensorFlow's own {@code Saver} (the loader's pure-Java writer
 * needs no TF runtime; this one is the reference TF output).
 */
public final class TfCheckpointExporter implements ModelExporter {

    @Override
    public String format() {
        return "tf-runtime-checkpoint";
    }

    @Override
    public void export(Model model, Path prefix) {
        TfExport.checkpoint(model, prefix);
    }
}
