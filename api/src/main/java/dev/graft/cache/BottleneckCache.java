package dev.graft.cache;

import dev.graft.Model;
import dev.graft.data.Dataset;
import dev.graft.spi.Backend;
import dev.graft.train.TrainingListener;

/**
 * Where the outputs of a model's frozen prefix (the "bottleneck" features) are kept, so that
 * training runs the frozen layers once per input rather than once per epoch.
 */
public interface BottleneckCache {

    /**
     * The dataset with each sample's features replaced by {@code frozenPrefix}'s inference output,
     * computed on {@code backend} or read from the cache; reports a {@link TrainingListener.FeaturesEvent}.
     */
    Dataset features(Model frozenPrefix, Dataset data, Backend backend, TrainingListener listener);
}
