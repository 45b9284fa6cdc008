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
     * The dataset with each sample's features replaced by {@code frozenPrefix}'s inference output,
     * computed on {@code backend} or read from the cache; reports a {@link TrainingListener.FeaturesEvent}.
     * The features are copied onto the heap; prefer {@link #source} for large sets.
     */
    Dataset features(Model frozenPrefix, Dataset data, Backend backend, TrainingListener listener);

    /**
     * As {@link #features}, but the features stay where the cache keeps them (a memory-mapped file, fp16
     * arrays); labels and targets are still {@code data}'s. This is what the trainer reads.
     */
    default FeatureSource source(Model frozenPrefix, Dataset data, Backend backend, TrainingListener listener) {
        return FeatureSource.of(features(frozenPrefix, data, backend, listener));
    }
}
