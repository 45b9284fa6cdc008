package dev.graft.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Checks where outputs go before any work is done, so that a typo fails in a second with a sentence
 * instead of after training, and nothing is written under a name that says another format.
 */
final class OutputPaths {

    /** Extensions of other tools' model and data files: a Graft model or a folder under such a name misleads. */
    private static final Set<String> FOREIGN = Set.of("h5", "hdf5", "keras", "pb", "ckpt", "index", "meta", "onnx",
            "pt", "pth", "tflite", "npz", "npy", "bin", "json", "csv", "txt", "zip", "gz", "pkl", "png");

    private OutputPaths() {
    }

    /** {@code --out}: FILE.safetensors, or a folder (existing, or new without a file-like extension). */
    static void checkModel(String option, Path out) {
        requireName(option, out);
        if (ModelFiles.isGraftFileName(out)) {
            if (Files.isDirectory(out)) {
                throw new CliException(option + " " + out + " is a folder", "give a file name ending in .safetensors "
                        + "or a folder name without it");
            }
            checkParents(option, out);
            return;
        }
        String ext = extension(out);
        if (FOREIGN.contains(ext)) {
            throw new CliException(option + " " + out + ": Graft saves models as .safetensors, not ." + ext,
                    "give FILE.safetensors, or a folder (model.safetensors goes inside); use --export-tf or "
                            + "--export-saved-model for TensorFlow");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new CliException(option + " " + out + " is an existing file, not a folder, and not .safetensors",
                    "give FILE.safetensors or a folder");
        }
        checkParents(option, out.resolve(ModelFiles.GRAFT_FILE));
    }

    /** {@code --export-tf}: a folder the export owns (absent, empty, or a previous export). */
    static void checkTfExport(String option, Path dir, Path modelOut) {
        requireName(option, dir);
        String ext = extension(dir);
        if (FOREIGN.contains(ext) || ext.equals("safetensors")) {
            throw new CliException(option + " " + dir + ": takes a folder (the checkpoint is " + dir.resolve(ModelFiles.TF_PREFIX)
                    + ".*), not a ." + ext + " file", "give a folder name");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new CliException(option + " " + dir + " is a file, not a folder", "give a folder");
        }
        if (modelOut != null && same(ModelFiles.graftTarget(modelOut).toAbsolutePath().getParent(), dir)) {
            throw new CliException(option + " " + dir + " is also where --out saves the model; the TF export replaces its "
                    + "folder as a whole", "give the TF export a folder of its own, e.g. " + dir.resolve("tf"));
        }
        if (Files.isDirectory(dir)) {
            List<String> foreign;
            try {
                foreign = ModelFiles.foreignTfExportEntries(dir);
            } catch (IOException e) {
                throw new CliException(option + " " + dir + ": cannot list the folder (" + e.getMessage() + ")", null);
            }
            if (!foreign.isEmpty()) {
                throw new CliException(option + " " + dir + " holds files that are not part of a TF export ("
                        + String.join(", ", foreign.subList(0, Math.min(5, foreign.size())))
                        + (foreign.size() > 5 ? ", ..." : "") + "); the export replaces the folder as a whole",
                        "give it a new or empty folder, or one an earlier --export-tf wrote");
            }
        }
        checkParents(option, dir.resolve(ModelFiles.TF_PREFIX));
    }

    /** {@code --export-saved-model}: a new folder. */
    static void checkSavedModel(String option, Path dir) {
        requireName(option, dir);
        if (Files.exists(dir)) {
            throw new CliException(option + " " + dir + " already exists", "give a new directory");
        }
        checkParents(option, dir.resolve("saved_model.pb"));
    }

    /** A file written whole ({@code featurize --out}, {@code --plot}). */
    static void checkFile(String option, Path file) {
        requireName(option, file);
        if (Files.isDirectory(file)) {
            throw new CliException(option + " " + file + " is a folder", "give a file name");
        }
        checkParents(option, file);
    }

    private static void requireName(String option, Path p) {
        if (p.toString().isBlank() || p.getFileName() == null) {
            throw new CliException(option + " is empty", "give a path");
        }
    }

    /** The nearest existing ancestor of {@code target} must be a folder (Files.createDirectories would say "already exists"). */
    private static void checkParents(String option, Path target) {
        for (Path p = target.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    throw new CliException(option + " " + target + ": " + p + " is a file, not a folder",
                            "give a path inside a folder");
                }
                return;
            }
        }
    }

    private static String extension(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static boolean same(Path a, Path b) {
        return a != null && a.normalize().equals(b.toAbsolutePath().normalize());
    }
}
