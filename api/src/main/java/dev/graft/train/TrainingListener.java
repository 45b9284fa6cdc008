package dev.graft.train;

/**
 * Receives progress events from a {@link Trainer} (progress bars, logging, metrics export). Every
 * method has an empty default, so a listener implements only what it needs. Called on the training
 * thread: keep it quick. To stop training or read the weights, keep the {@link TrainingControl}
 * passed to {@link #onTrainingStart}.
 */
public interface TrainingListener {

    /**
     * Before the first epoch (also when resuming from a checkpoint): {@code control} lets the
     * listener stop the run and read the current weights from any later callback.
     */
    default void onTrainingStart(TrainingControl control) {
    }

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
     * When a cache entry was found unusable (truncated, corrupt, foreign or of another format) and
     * discarded; the entry is then rebuilt. Also logged.
     */
    default void onCacheDiscarded(CacheDiscardedEvent event) {
    }

    /**
     * How bottleneck features for one dataset were obtained.
     *
     * @param key            the cache entry's content key (of the whole frozen prefix)
     * @param hit            whether they were read from the cache (no frozen forward pass ran)
     * @param samples        number of samples
     * @param seconds        time spent computing or opening them
     * @param where          "memory", a file path, or "none"
     * @param frozenLayers   layers in the frozen prefix (0 when not reported)
     * @param computedLayers frozen layers actually run: 0 on a hit, fewer than {@code frozenLayers}
     *                       when features at a lower boundary were reused (gradual unfreezing)
     */
    record FeaturesEvent(String key, boolean hit, int samples, double seconds, String where,
                         int frozenLayers, int computedLayers) {

        /** An event without the layer counts (kept for callers written before they existed). */
        public FeaturesEvent(String key, boolean hit, int samples, double seconds, String where) {
            this(key, hit, samples, seconds, where, 0, 0);
        }

        /** Frozen layers whose output came from the cache (a lower boundary on a partial hit). */
        public int reusedLayers() {
            return frozenLayers - computedLayers;
        }
    }

    /**
     * A cache entry that could not be used.
     *
     * @param key    the entry's key
     * @param where  the file path (or "memory")
     * @param reason what was wrong, e.g. "truncated: 512 bytes, the header promises 24000128"
     */
    record CacheDiscardedEvent(String key, String where, String reason) {
    }
}
