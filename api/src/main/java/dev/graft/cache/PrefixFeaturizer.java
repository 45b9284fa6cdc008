package dev.graft.cache;

import dev.graft.Model;
import dev.graft.data.Dataset;
import dev.graft.spi.Backend;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import dev.graft.train.TrainingListener;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * The cache logic shared by every store: look the whole frozen prefix up; on a miss, under the
 * entry's lock, look again (someone else may have filled it), then reuse the longest cached lower
 * boundary and run only the frozen layers above it, streaming chunks of rows into the store.
 */
final class PrefixFeaturizer {

    static final System.Logger LOG = System.getLogger("dev.graft.cache");

    /** Rows per chunk: large enough for efficient GEMMs, small enough to never hold a dataset. */
    static final int CHUNK = 512;

    private final EntryStore store;
    private final Storage storage;
    private final boolean everyBoundary;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong partialHits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final DoubleAdder featurizeSeconds = new DoubleAdder();

    PrefixFeaturizer(EntryStore store, Storage storage, boolean everyBoundary) {
        this.store = store;
        this.storage = storage;
        this.everyBoundary = everyBoundary;
    }

    Storage storage() {
        return storage;
    }

    CacheStats stats() {
        return new CacheStats(hits.get(), partialHits.get(), misses.get(), featurizeSeconds.sum());
    }

    private record Outcome(FeatureSource features, int computedLayers) {
    }

    /** {@code prefix}'s inference outputs for every row of {@code input}, from the store or computed into it. */
    FeatureSource features(Model prefix, FeatureSource input, String fingerprint, String preprocessing,
                           Backend backend, TrainingListener listener) {
        if (input.width() != prefix.inputWidth()) {
            throw new IllegalArgumentException("the data has " + input.width() + " features but layer '"
                    + prefix.layer(0).name() + "' takes " + prefix.inputWidth());
        }
        long start = System.nanoTime();
        int n = prefix.size();
        int rows = input.size();
        String[] keys = CacheKeys.prefixKeys(prefix, fingerprint, preprocessing, storage.keyName());
        String key = keys[n - 1];
        FeatureSource found = store.find(key, rows, prefix.outputWidth(), listener);
        Outcome outcome = found != null ? new Outcome(found, 0) : store.exclusive(key, () -> {
            FeatureSource filled = store.find(key, rows, prefix.outputWidth(), listener);
            if (filled != null) {
                return new Outcome(filled, 0);
            }
            int base = 0;
            FeatureSource from = input;
            for (int k = n - 1; k >= 1 && base == 0; k--) {
                if (!prefix.isCut(k)) {
                    continue; // on a graph, only a boundary that one tensor crosses can restart the computation
                }
                FeatureSource lower = store.find(keys[k - 1], rows, prefix.layer(k - 1).outputWidth(), listener);
                if (lower != null) {
                    base = k;
                    from = lower;
                }
            }
            long computeStart = System.nanoTime();
            FeatureSource computed = compute(prefix, keys, base, from, backend);
            featurizeSeconds.add((System.nanoTime() - computeStart) / 1e9);
            return new Outcome(computed, n - base);
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        boolean hit = outcome.computedLayers() == 0;
        (hit ? hits : outcome.computedLayers() < n ? partialHits : misses).incrementAndGet();
        String where = store.describe(key);
        if (hit) {
            LOG.log(Level.INFO, "bottleneck cache hit: {0} x {1} features of {2} frozen layer(s) from {3} in {4} s",
                    rows, prefix.outputWidth(), n, where, String.format("%.3f", seconds));
        } else {
            LOG.log(Level.INFO, "bottleneck cache miss: ran {0} of {1} frozen layer(s) over {2} samples into {3} in {4} s",
                    outcome.computedLayers(), n, rows, where, String.format("%.3f", seconds));
        }
        listener.onFeatures(new TrainingListener.FeaturesEvent(key, hit, rows, seconds, where, n, outcome.computedLayers()));
        return outcome.features();
    }

    /** Runs layers {@code [base, n)} over {@code from} chunk by chunk, writing each stored boundary. */
    private FeatureSource compute(Model prefix, String[] keys, int base, FeatureSource from, Backend backend) {
        int n = prefix.size();
        int rows = from.size();
        List<Integer> ends = new ArrayList<>();
        for (int k = base + 1; k < n; k++) {
            if (everyBoundary && prefix.layer(k - 1).parameterCount() > 0 && prefix.isCut(k)) {
                ends.add(k);
            }
        }
        ends.add(n);
        int chunk = Math.max(1, Math.min(CHUNK, rows));
        List<Network> stages = new ArrayList<>();
        List<EntryStore.EntryWriter> writers = new ArrayList<>();
        List<float[]> outputs = new ArrayList<>();
        Set<String> written = new HashSet<>();
        try {
            int lo = base;
            for (int end : ends) {
                stages.add(Networks.open(backend, NetworkPlan.inference(prefix.slice(lo, end), chunk)));
                writers.add(store.create(keys[end - 1], rows, prefix.layer(end - 1).outputWidth()));
                outputs.add(new float[chunk * prefix.layer(end - 1).outputWidth()]);
                lo = end;
            }
            float[] in = new float[chunk * from.width()];
            for (int r = 0; r < rows; r += chunk) {
                int count = Math.min(chunk, rows - r);
                from.copyRows(r, count, in, 0);
                float[] current = in;
                for (int s = 0; s < stages.size(); s++) {
                    stages.get(s).predict(current, 0, count, outputs.get(s), 0);
                    writers.get(s).write(outputs.get(s), 0, count);
                    current = outputs.get(s);
                }
            }
            FeatureSource result = null;
            for (int s = 0; s < writers.size(); s++) {
                result = writers.get(s).commit();
                written.add(keys[ends.get(s) - 1]);
            }
            return result;
        } catch (RuntimeException | Error e) {
            writers.forEach(EntryStore.EntryWriter::abort);
            throw e;
        } finally {
            stages.forEach(Network::close);
            if (!written.isEmpty()) {
                store.afterWrite(written);
            }
        }
    }

    /** The features as a heap {@link Dataset} with {@code data}'s labels or targets. */
    static Dataset toDataset(FeatureSource features, Dataset data) {
        float[] all = new float[Math.multiplyExact(features.size(), features.width())];
        features.copyRows(0, features.size(), all, 0);
        return data.withFeatures(all, features.width());
    }
}
