package dev.graft.cache;

import dev.graft.Activation;
import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.conformance.Conformance;
import dev.graft.data.Dataset;
import dev.graft.train.TrainingListener;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

/** Small deterministic models and data shared by the cache tests and {@link CacheFillMain}. */
final class CacheFixtures {

    private CacheFixtures() {
    }

    /** 24 → h1 16 → h2 12 → h3 8 → out 3, with h1 and h2 frozen. */
    static Model model() {
        Model base = Model.builder(24, 11).dense("h1", 16, Activation.RELU).dense("h2", 12, Activation.TANH)
                .dense("h3", 8, Activation.RELU).dense("out", 3, Activation.IDENTITY).build();
        return Transfer.from(base).freezeThrough("h2").build();
    }

    /** 1,300 samples (several featurizing chunks) with 3 classes. */
    static Dataset data(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 1300;
        float[] x = Conformance.random(r, n * 24, 1);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (x[i * 24] + x[i * 24 + 1] > 0 ? 1 : 0) + (x[i * 24 + 2] > 0.5f ? 1 : 0);
        }
        return Dataset.classification(x, 24, labels, 3);
    }

    /** Records cache events. */
    static final class Events implements TrainingListener {
        final List<FeaturesEvent> features = new CopyOnWriteArrayList<>();
        final List<CacheDiscardedEvent> discarded = new CopyOnWriteArrayList<>();

        @Override public void onFeatures(FeaturesEvent e) { features.add(e); }

        @Override public void onCacheDiscarded(CacheDiscardedEvent e) { discarded.add(e); }

        FeaturesEvent last() {
            return features.get(features.size() - 1);
        }
    }
}
