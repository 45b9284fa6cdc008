package dev.graft.cli;

import java.io.PrintWriter;
import java.nio.file.Path;

/** The "where the files went" lines at the end of a run. */
final class Outputs {

    private Outputs() {
    }

    static void print(PrintWriter out, Path model, Path tfCheckpoint, Path savedModel, Path plot) {
        if (model != null) {
            out.println("saved model: " + model);
        } else {
            out.println("model not saved (no --out)");
        }
        if (tfCheckpoint != null) {
            out.println("TensorFlow checkpoint: " + tfCheckpoint + " (.index, .data-00000-of-00001, .meta)");
        }
        if (savedModel != null) {
            out.println("TensorFlow SavedModel: " + savedModel + " (signature serving_default: input -> output)");
        }
        if (plot != null) {
            out.println("learning curves: " + plot);
        }
    }
}
