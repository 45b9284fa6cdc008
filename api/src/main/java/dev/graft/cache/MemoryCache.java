package dev.graft.cache;

import dev.graft.Model;
import dev.graft.data.Dataset;
import dev.graft.spi.Backend;
import dev.graft.train.TrainingListener;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keeps bottleneck features on the heap for the life of this object, keyed by content
 * ({@link CacheKeys}), so a second training run on the same frozen prefix and data in the same
 * process skips the frozen forward pass.
 */
public final class MemoryCache implements BottleneckCache {

    private final Map<String, Dataset> entries = new LinkedHashMap<>();

    @Override
    public synchronized Dataset features(Model frozenPrefix, Dataset data, Backend backend, TrainingListener listener) {
        long start = System.nanoTime();
        String key = CacheKeys.key(frozenPrefix, data);
        Dataset cached = entries.get(key);
        boolean hit = cached != null;
        if (!hit) {
            float[] out = Featurizer.outputs(frozenPrefix, data, backend, Featurizer.DEFAULT_BATCH);
            cached = data.withFeatures(out, frozenPrefix.outputWidth());
            entries.put(key, cached);
        }
        listener.onFeatures(new TrainingListener.FeaturesEvent(key, hit, data.size(),
                (System.nanoTime() - start) / 1e9, "memory"));
        return cached;
    }

    /** Number of entries held. */
    public synchronized int size() {
        return entries.size();
    }

    /** Drops every entry. */
    public synchronized void clear() {
        entries.clear();
    }
}
