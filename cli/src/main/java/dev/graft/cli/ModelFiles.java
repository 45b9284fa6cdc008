package dev.graft.cli;

import dev.graft.Model;
import dev.graft.loader.AtomicFiles;
import dev.graft.loader.LoadedModel;
import dev.graft.loader.ModelExporters;
import dev.graft.loader.ModelFormat;
import dev.graft.loader.Models;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Reading and writing models for the CLI, through {@code graft-loader}: any format the loader reads
 * in, Graft's format ({@code .safetensors}) out, and a TensorFlow V2 checkpoint on request.
 *
 * <p>{@code --export-tf DIR} owns {@code DIR}: the checkpoint set ({@code model.ckpt.index},
 * {@code .data-00000-of-00001}, {@code .meta} and a {@code checkpoint} state file) is written complete into
 * a fresh folder beside {@code DIR} and swapped in whole ({@link AtomicFiles#replaceDirectory}), so an
 * interrupted export leaves the previous export as it was, never a mix of two.
 */
final class ModelFiles {

    /** Name of the model file written into a directory given to --out. */
    static final String GRAFT_FILE = "model.safetensors";
    /** Checkpoint prefix written into a directory given to --export-tf. */
    static final String TF_PREFIX = "model.ckpt";
    /** The state file TF's Saver writes beside a checkpoint; {@code tf.train.latest_checkpoint(DIR)} reads it. */
    static final String TF_STATE_FILE = "checkpoint";

    private ModelFiles() {
    }

    /** {@link #load(Path)}, or a Keras weights-only HDF5 file with its architecture JSON when {@code architecture} is given. */
    static LoadedModel load(Path path, Path architecture) throws IOException {
        if (architecture == null) {
            return load(path);
        }
        if (!Files.isRegularFile(architecture)) {
            throw new CliException("no such architecture file: " + architecture, "give the JSON written by model.to_json()");
        }
        requireExists(path);
        return Models.load(path, architecture);
    }

    static LoadedModel load(Path path) throws IOException {
        requireExists(path);
        return Models.load(path);
    }

    private static void requireExists(Path path) {
        if (!Files.exists(path) && !Files.exists(Path.of(path + ".index"))) {
            List<Path> interrupted = AtomicFiles.interruptedReplacements(path);
            if (!interrupted.isEmpty()) {
                throw new CliException("no such model: " + path + "; an export into it was interrupted and its previous "
                        + "contents are in " + interrupted.get(0), "rename that folder back to " + path.getFileName()
                        + ", or export again (the next export puts it back first, then replaces it)");
            }
            throw new CliException("no such model: " + path, "give a TF checkpoint (prefix, .index file or directory), "
                    + "a SavedModel directory, a Keras .h5/.keras file or a Graft .safetensors file");
        }

    }

    /**
     * Where {@code --out} puts the model: the path itself if it ends in {@code .safetensors}, else
     * {@code <path>/model.safetensors}. {@link OutputPaths#checkModel} has refused the other spellings.
     */
    static Path graftTarget(Path out) {
        return isGraftFileName(out) ? out : out.resolve(GRAFT_FILE);
    }

    static boolean isGraftFileName(Path out) {
        return out.getFileName() != null && out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors");
    }

    /** Saves in Graft's format (atomically); returns the file written. */
    static Path save(Model model, Path out) throws IOException {
        Path file = graftTarget(out);
        Models.save(model, file, ModelFormat.GRAFT);
        return file;
    }

    /**
     * Writes a TF V2 checkpoint (with its .meta graph and a {@code checkpoint} state file) as
     * {@code <dir>/model.ckpt}, replacing the folder as a whole; returns the prefix.
     */
    static Path exportTf(Model model, Path dir) throws IOException {
        AtomicFiles.replaceDirectory(dir, ModelFiles::holdsOnlyTfExport, fresh -> {
            Files.createDirectories(fresh);
            Models.save(model, fresh.resolve(TF_PREFIX), ModelFormat.TF_CHECKPOINT);
            Files.writeString(fresh.resolve(TF_STATE_FILE), "model_checkpoint_path: \"" + TF_PREFIX
                    + "\"\nall_model_checkpoint_paths: \"" + TF_PREFIX + "\"\n", StandardCharsets.UTF_8);
        });
        return dir.resolve(TF_PREFIX);
    }

    /**
     * The entries of an existing --export-tf folder that an export would not write, i.e. would lose
     * (temporary files of an earlier, killed export, {@code .model.ckpt.*}, count as the export's own).
     */
    static List<String> foreignTfExportEntries(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals(TF_STATE_FILE) && !n.startsWith(TF_PREFIX + ".") && !n.startsWith("." + TF_PREFIX + "."))
                    .sorted().toList();
        }
    }

    private static boolean holdsOnlyTfExport(Path dir) {
        try {
            return foreignTfExportEntries(dir).isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Writes a TensorFlow SavedModel into {@code dir} (which must not exist) through TensorFlow's own
     * runtime: signature {@code serving_default}, input {@code input}, output {@code output}. It is written
     * beside {@code dir} and renamed into place when complete.
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
