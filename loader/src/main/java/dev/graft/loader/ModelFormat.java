package dev.graft.loader;

/** The on-disk formats the loader reads; the writable ones are {@link #TF_CHECKPOINT} and {@link #GRAFT}. */
public enum ModelFormat {
    /** {@code tf.train.Saver} / {@code tf.train.Checkpoint} V2 bundle, with or without a {@code .meta} graph. */
    TF_CHECKPOINT,
    /** A SavedModel directory ({@code saved_model.pb} + {@code variables/}). */
    TF_SAVED_MODEL,
    /** A Keras 1/2/3 full-model HDF5 file. */
    KERAS_H5,
    /** A Keras 3 {@code .keras} zip ({@code config.json} + {@code model.weights.h5}). */
    KERAS_ARCHIVE,
    /** Graft's own: one {@code .safetensors} file whose metadata holds the layer description (JSON). */
    GRAFT
}
