package dev.graft.loader;

import dev.graft.Model;
import dev.graft.loader.graft.GraftFormat;
import dev.graft.loader.keras.KerasReader;
import dev.graft.loader.tf.CheckpointPaths;
import dev.graft.loader.tf.TfCheckpointWriter;
import dev.graft.loader.tf.TfModelReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The loader's single entry point: {@link #load} detects the format of whatever the user points at
 * (checkpoint prefix, file, state file or directory; SavedModel directory; Keras {@code .h5} or
 * {@code .keras}; Graft {@code .safetensors}) and {@link #save} writes one.
 */
public final class Models {

    private static final System.Logger LOG = System.getLogger(Models.class.getName());

    private Models() {
    }

    /** Loads the model at {@code path}, recovering its architecture from the file(s). */
    public static LoadedModel load(Path path) throws IOException {
        return load(path, List.of());
    }

    /**
     * Loads a TF checkpoint or SavedModel using {@code mapping} (which tensors form which layer) instead
     * of graph recovery; for other formats the mapping must be empty.
     */
    public static LoadedModel load(Path path, List<TensorLayer> mapping) throws IOException {
        ModelFormat format = detect(path);
        if (!mapping.isEmpty() && format != ModelFormat.TF_CHECKPOINT && format != ModelFormat.TF_SAVED_MODEL) {
            throw new IllegalArgumentException("an explicit layer mapping applies to TF checkpoints and SavedModels, not " + format);
        }
        LoadedModel loaded = switch (format) {
            case TF_CHECKPOINT -> TfModelReader.readCheckpoint(path, mapping);
            case TF_SAVED_MODEL -> TfModelReader.readSavedModel(savedModelDir(path), mapping);
            case KERAS_H5 -> KerasReader.readH5(path);
            case KERAS_ARCHIVE -> KerasReader.readArchive(path);
            case GRAFT -> GraftFormat.read(graftFile(path));
        };
        LOG.log(System.Logger.Level.DEBUG, () -> "loaded " + loaded.model() + " from " + path + " as " + format);
        return loaded;
    }

    /**
     * Loads a Keras weights-only HDF5 file ({@code model.save_weights}) with its architecture from a separate JSON
     * file ({@code model.to_json()}).
     */
    public static LoadedModel load(Path weights, Path architecture) throws IOException {
        if (detect(weights) != ModelFormat.KERAS_H5) {
            throw new ModelFileException(weights, "an architecture JSON goes with a Keras weights HDF5 file, and this is "
                    + detect(weights));
        }
        return KerasReader.readWeights(weights, architecture);
    }

    /** Writes {@code model} in {@code format} ({@link ModelFormat#TF_CHECKPOINT}: {@code target} is the prefix). */
    public static void save(Model model, Path target, ModelFormat format) throws IOException {
        switch (format) {
            case TF_CHECKPOINT -> TfCheckpointWriter.write(model, target, TfCheckpointWriter.Naming.WEIGHTS_BIASES);
            case GRAFT -> GraftFormat.write(model, target);
            default -> throw new IllegalArgumentException("cannot write " + format + "; writable: TF_CHECKPOINT, GRAFT");
        }
    }

    /**
     * The format of {@code path}.
     *
     * @throws ModelFileException naming the path when it is none of the supported formats
     */
    public static ModelFormat detect(Path path) throws IOException {
        String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (Files.isDirectory(path)) {
            if (Files.isRegularFile(path.resolve("saved_model.pb"))) {
                return ModelFormat.TF_SAVED_MODEL;
            }
            if (graftFileIn(path) != null) {
                return ModelFormat.GRAFT;
            }
            if (CheckpointPaths.isCheckpoint(path)) {
                return ModelFormat.TF_CHECKPOINT;
            }
            throw new ModelFileException(path, "directory holds no SavedModel, TF checkpoint or Graft model");
        }
        if (name.equals("saved_model.pb")) {
            return ModelFormat.TF_SAVED_MODEL;
        }
        if (Files.isRegularFile(path)) {
            byte[] magic = head(path);
            if (magic.length >= 4 && (magic[0] & 0xFF) == 0x89 && magic[1] == 'H' && magic[2] == 'D' && magic[3] == 'F') {
                return ModelFormat.KERAS_H5;
            }
            if (magic.length >= 2 && magic[0] == 'P' && magic[1] == 'K') {
                return ModelFormat.KERAS_ARCHIVE;
            }
            if (name.endsWith(".safetensors")) {
                return ModelFormat.GRAFT;
            }
        }
        if (CheckpointPaths.isCheckpoint(path)) {
            return ModelFormat.TF_CHECKPOINT;
        }
        throw new ModelFileException(path, Files.exists(path)
                ? "not a recognised model file (TF checkpoint, SavedModel, Keras .h5/.keras, Graft .safetensors)"
                : "no such file, and no checkpoint with this prefix (" + path + ".index)");
    }

    private static Path savedModelDir(Path path) {
        return Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
    }

    private static Path graftFile(Path path) throws IOException {
        return Files.isDirectory(path) ? graftFileIn(path) : path;
    }

    private static Path graftFileIn(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> found = files.filter(f -> f.getFileName().toString().endsWith(".safetensors"))
                    .filter(GraftFormat::isGraftFile).toList();
            return found.size() == 1 ? found.get(0) : null;
        }
    }

    private static byte[] head(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(8);
        }
    }
}
