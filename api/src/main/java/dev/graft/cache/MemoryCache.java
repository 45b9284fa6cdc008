package dev.graft.cache;

import dev.graft.Model;
import dev.graft.data.Dataset;
import dev.graft.spi.Backend;
import dev.graft.train.TrainingListener;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Keeps bottleneck features on the heap for the life of this object, keyed by content
 * ({@link CacheKeys}), so a second training run on the same frozen prefix and data in the same
 * process skips the frozen forward pass. {@link Storage#FP16} halves the memory at the cost of
 * rounding each feature to half precision.
 *
 * <p>With {@code everyBoundary}, the output of every frozen dense layer is kept, so a later run that
 * unfreezes the top frozen layer (gradual unfreezing) starts from the layer below instead of the inputs.
 */
public final class MemoryCache implements BottleneckCache {

    private final Map<String, ArrayFeatures> entries = new HashMap<>();
    private final PrefixFeaturizer engine;

    /** An fp32 cache that keeps only the top boundary. */
    public MemoryCache() {
        this(Storage.FP32, false);
    }

    /** A cache storing values as {@code storage}, keeping only the top boundary. */
    public MemoryCache(Storage storage) {
        this(storage, false);
    }

    /** A cache storing values as {@code storage}; {@code everyBoundary} also keeps each frozen layer's output. */
    public MemoryCache(Storage storage, boolean everyBoundary) {
        this.engine = new PrefixFeaturizer(new Store(), storage, everyBoundary);
    }

    @Override
    public FeatureSource source(Model frozenPrefix, Dataset data, Backend backend, TrainingListener listener) {
        return engine.features(frozenPrefix, FeatureSource.of(data), data.featureFingerprint(), "", backend, listener);
    }

    /**
     * Features of any row source, keyed by the caller's {@code fingerprint} of its contents and
     * {@code preprocessing} id (see {@link CacheKeys} for what the key covers).
     */
    public FeatureSource featurize(Model frozenPrefix, FeatureSource input, String fingerprint, String preprocessing,
                                   Backend backend, TrainingListener listener) {
        return engine.features(frozenPrefix, input, fingerprint, preprocessing, backend, listener);
    }

    /** Number of entries held. */
    public synchronized int size() {
        return entries.size();
    }

    /** Heap bytes taken by the stored features. */
    public synchronized long bytes() {
        return entries.values().stream().mapToLong(ArrayFeatures::bytes).sum();
    }

    /** Drops every entry. */
    public synchronized void clear() {
        entries.clear();
    }

    /** Hits, misses and featurizing time so far. */
    public CacheStats stats() {
        return engine.stats();
    }

    private final class Store implements EntryStore {
        @Override
        public String describe(String key) {
            return "memory";
        }

        @Override
        public FeatureSource find(String key, int rows, int cols, TrainingListener listener) {
            synchronized (MemoryCache.this) {
                ArrayFeatures f = entries.get(key);
                return f != null && f.size() == rows && f.width() == cols ? f : null;
            }
        }

        @Override
        public <T> T exclusive(String key, Supplier<T> body) {
            synchronized (MemoryCache.this) {
                return body.get();
            }
        }

        @Override
        public EntryWriter create(String key, int rows, int cols) {
            boolean half = engine.storage() == Storage.FP16;
            int n = Math.multiplyExact(rows, cols);
            float[] floats = half ? null : new float[n];
            short[] halves = half ? new short[n] : null;
            return new EntryWriter() {
                private int filled;

                @Override
                public void write(float[] src, int offset, int count) {
                    int values = count * cols;
                    if (floats != null) {
                        System.arraycopy(src, offset, floats, filled, values);
                    } else {
                        for (int i = 0; i < values; i++) {
                            float v = src[offset + i];
                            if (!Half.fits(v)) {
                                throw HalfOverflow.at(v, (filled + i) / cols, (filled + i) % cols);
                            }
                            halves[filled + i] = Half.fromFloat(v);
                        }
                    }
                    filled += values;
                }

                @Override
                public FeatureSource commit() {
                    if (filled != n) {
                        throw new IllegalStateException("entry " + key + " has " + filled + " of " + n + " values");
                    }
                    ArrayFeatures f = half ? ArrayFeatures.ofHalves(halves, rows, cols) : ArrayFeatures.ofFloats(floats, rows, cols);
                    synchronized (MemoryCache.this) {
                        entries.put(key, f);
                    }
                    return f;
                }

                @Override
                public void abort() {
                }
            };
        }
    }
}
