package dev.graft.train;

/**
 * Receives progress events from a {@link Trainer} (progress bars, logging, metrics export). Every
 * method has an empty default, so a listener implements only what it needs. Called on the training
 * thread: keep it quick.
 */
public interface TrainingListener {

    /** Before the first batch of an epoch (epochs count from 1). */
    default void onEpochStart(int epoch, int batches) {
    }

    /** After each training step; {@code meanLoss} is the batch's mean loss. */
    default void onBatch(int epoch, int batch, int batches, int samples, double meanLoss) {
    }

    /** After an epoch, with validation figures if there is a validation set. */
    default void onEpochEnd(EpochStats stats) {
    }

    /** When frozen-prefix features were computed or read from a cache. */
    default void onFeatures(FeaturesEvent event) {
    }

    /**
     * How bottleneck features for one dataset were obtained.
     *
     * @param key      the cache entry's content key
     * @param hit      whether they were read from the cache (no frozen forward pass ran)
     * @param samples  number of samples
     * @param seconds  time spent computing or opening them
     * @param where    "memory", a file path, or "none"
     */
    record FeaturesEvent(String key, boolean hit, int samples, double seconds, String where) {
    }
}
