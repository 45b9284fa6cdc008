package dev.graft.cli;

import dev.graft.Model;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where a trained model goes ({@code --out}, {@code --export-tf}, {@code --export-saved-model}), shared by train and transfer. */
final class ModelOutputOptions {

    @Option(names = "--out", paramLabel = "FILE|DIR", description = "Save the model in Graft's format "
            + "(FILE.safetensors, or DIR/model.safetensors).")
    Path out;

    @Option(names = "--export-tf", paramLabel = "DIR", description = "Also write a TensorFlow V2 checkpoint DIR/model.ckpt "
            + "(DIR is the export's own folder, replaced as a whole).")
    Path exportTf;

    @Option(names = "--export-saved-model", paramLabel = "DIR",
            description = "Also write a TensorFlow SavedModel into DIR (a new directory; loads TensorFlow's runtime).")
    Path exportSavedModel;

    /** The files one run wrote (null where not asked for). */
    record Written(Path model, Path tfCheckpoint, Path savedModel) {

        void putJson(Map<String, Object> m) {
            m.put("model", model == null ? null : model.toString());
            m.put("tfCheckpoint", tfCheckpoint == null ? null : tfCheckpoint.toString());
            m.put("savedModel", savedModel == null ? null : savedModel.toString());
        }

        /** The "where the files went" lines at the end of a run. */
        void print(PrintWriter out, Path plot) {
            out.println(model != null ? "saved model: " + model : "model not saved (no --out)");
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

    /** Refuses output paths that cannot work, before any training (an empty --out, m.h5, a file as a folder). */
    void check() {
        if (out != null) {
            OutputPaths.checkModel("--out", out);
        }
        if (exportTf != null) {
            OutputPaths.checkTfExport("--export-tf", exportTf, out);
        }
        if (exportSavedModel != null) {
            OutputPaths.checkSavedModel("--export-saved-model", exportSavedModel);
        }
    }

    /** Writes the model everywhere the options ask for. */
    Written write(Model model) throws IOException {
        return new Written(out == null ? null : ModelFiles.save(model, out),
                exportTf == null ? null : ModelFiles.exportTf(model, exportTf),
                exportSavedModel == null ? null : ModelFiles.exportSavedModel(model, exportSavedModel));
    }
}
