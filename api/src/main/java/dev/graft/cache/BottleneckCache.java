package dev.graft.cache;

import dev.graft.Model;
import dev.graft.data.Dataset;
import dev.graft.spi.Backend;
import dev.graft.train.TrainingListener;

/**
 * Where the outputs of a model's frozen prefix (the "bottleneck" features) are kept, so that
 * training runs the frozen layers once per input rather than once per epoch. Implementations:
 * {@link MemoryCache} (the heap, fp32 or fp16) and {@link DiskCache} (a directory of checksummed,
 * memory-mapped files that outlive the process).
 */
public interface BottleneckCache {

    /**
     * The features of {@code data} after {@code frozenPrefix} (inference mode), computed on
     * {@code backend} or read from the cache, left where the cache keeps them (a memory-mapped file,
     * fp16 arrays); labels and targets stay {@code data}'s. Reports a
     * {@link TrainingListener.FeaturesEvent}. This is what the trainer reads.
     */
    FeatureSource source(Model frozenPrefix, Dataset data, Backend backend, TrainingListener listener);

    /**
     * Features of any row source (e.g. augmented views, or images streamed from files), keyed by the
     * caller's {@code fingerprint} of its rows and {@code preprocessing} id (see {@link CacheKeys}):
     * equal fingerprint and id must mean equal rows.
     */
    FeatureSource featurize(Model frozenPrefix, FeatureSource input, String fingerprint, String preprocessing,
                            Backend backend, TrainingListener listener);

    /**
     * As {@link #source}, but as a dataset whose features are copied onto the heap; prefer
     * {@link #source} for large sets.
     */
    default Dataset features(Model frozenPrefix, Dataset data, Backend backend, TrainingListener listener) {
        return PrefixFeaturizer.toDataset(source(frozenPrefix, data, backend, listener), data);
    }
}
