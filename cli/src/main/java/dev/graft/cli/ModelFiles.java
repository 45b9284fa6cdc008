package dev.graft.cli;

import dev.graft.Model;
import dev.graft.loader.LoadedModel;
import dev.graft.loader.ModelExporters;
import dev.graft.loader.ModelFormat;
import dev.graft.loader.Models;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reading and writing models for the CLI, through {@code graft-loader}: any format the loader reads
 * in, Graft's format ({@code .safetensors}) out, and a TensorFlow V2 checkpoint on request.
 */
final class ModelFiles {

    /** Name of the model file written into a directory given to --out. */
    static final String GRAFT_FILE = "model.safetensors";
    /** Checkpoint prefix written into a directory given to --export-tf. */
    static final String TF_PREFIX = "model.ckpt";

    private ModelFiles() {
    }

    static LoadedModel load(Path path) throws IOException {
        if (!Files.exists(path) && !Files.exists(Path.of(path + ".index"))) {
            throw new CliException("no such model: " + path, "give a TF checkpoint (prefix, .index file or directory), "
                    + "a SavedModel directory, a Keras .h5/.keras file or a Graft .safetensors file");
        }
        return Models.load(path);
    }

    /**
     * Where {@code --out} puts the model: the path itself if it ends in {@code .safetensors}, else
     * {@code <path>/model.safetensors}.
     */
    static Path graftTarget(Path out) {
        return out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors") ? out : out.resolve(GRAFT_FILE);
    }

    /** Saves in Graft's format (atomically); returns the file written. */
    static Path save(Model model, Path out) throws IOException {
        Path file = graftTarget(out);
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Models.save(model, file, ModelFormat.GRAFT);
        return file;
    }

    /** Writes a TF V2 checkpoint (with its .meta graph) as {@code <dir>/model.ckpt}; returns the prefix. */
    static Path exportTf(Model model, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path prefix = dir.resolve(TF_PREFIX);
        Models.save(model, prefix, ModelFormat.TF_CHECKPOINT);
        return prefix;
    }

    /**
     * Writes a TensorFlow SavedModel into {@code dir} (which must not exist) through TensorFlow's own
     * runtime: signature {@code serving_default}, input {@code input}, output {@code output}.
     */
    static Path exportSavedModel(Model model, Path dir) {
        if (Files.exists(dir)) {
            throw new CliException("--export-saved-model " + dir + " already exists", "give a new directory");
        }
        try {
            // Found by ServiceLoader (graft-backend-tf registers it), so the CLI needs no compile dependency on TF.
            ModelExporters.export(model, dir, ModelExporters.SAVED_MODEL);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not write SavedModel to " + dir + ": " + e.getMessage(), e);
        } catch (LinkageError e) {
            throw new CliException("cannot write a SavedModel: TensorFlow's native library did not load (" + e + ")",
                    "use --export-tf for a V2 checkpoint, which needs no TensorFlow runtime");
        }
        return dir;
    }
}
