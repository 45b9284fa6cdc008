package dev.graft.conformance;

import static dev.graft.conformance.Conformance.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.cache.BottleneckCache;
import dev.graft.cache.DiskCache;
import dev.graft.cache.MemoryCache;
import dev.graft.data.Dataset;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The bottleneck cache on the backend under test: training with features cached in memory or on
 * disk (first run featurizing, second run reading the file) gives the same final weights as
 * training the whole network every epoch, same seed and batch order.
 */
public abstract class CacheConformance extends TrainingConformance {

    /** 20 → h1 16 (frozen) → drop (frozen) → h2 12 (frozen) → h3 10 → drop2 (trainable: masks must match) → out 4. */
    private static Model frozenBottom() {
        Model base = Model.builder(20, 41).dense("h1", 16, Activation.RELU).dropout("drop", 0.3f)
                .dense("h2", 12, Activation.TANH).dense("h3", 10, Activation.RELU).dropout("drop2", 0.2f).dense("out", 4, Activation.IDENTITY).build();
        return Transfer.from(base).freezeThrough("h2").build();
    }

    private Model train(Model model, Dataset data, BottleneckCache cache, TrainingListener listener) {
        Trainer.Builder b = Trainer.builder(backend).optimizer(Optimizer.momentum(0.05f, 0.9f)).epochs(3).batchSize(16).seed(6);
        if (cache != null) {
            b.cache(cache).listener(listener);
        }
        return b.build().fit(model, data).model();
    }

    @Test
    void trainingWithTheCacheGivesTheSameWeightsAsWithout() throws IOException {
        Model model = frozenBottom();
        Dataset data = syntheticClasses(42);
        List<TrainingListener.FeaturesEvent> events = new ArrayList<>();
        TrainingListener recorder = new TrainingListener() {
            @Override public void onFeatures(FeaturesEvent e) { events.add(e); }
        };
        Path dir = Files.createTempDirectory("graft-cache-conformance");
        try {
            Model plain = train(model, data, null, recorder);
            List<Model> cached = List.of(
                    train(model, data, new MemoryCache(), recorder),
                    train(model, data, DiskCache.open(dir), recorder),
                    train(model, data, DiskCache.open(dir), recorder));
            assertEquals(List.of(false, false, true), events.stream().map(TrainingListener.FeaturesEvent::hit).toList(),
                    "memory miss, disk miss, disk hit");
            String[] runs = {"memory cache", "disk cache (featurized)", "disk cache (read back)"};
            for (int r = 0; r < cached.size(); r++) {
                for (int i = 0; i < model.size(); i++) {
                    if (model.layer(i) instanceof Dense expected) {
                        Dense actual = (Dense) cached.get(r).layer(i);
                        Dense reference = (Dense) plain.layer(i);
                        if (!expected.trainable()) {
                            assertTrue(expected.sameParameters(actual), expected.name() + " is frozen but changed with " + runs[r]);
                        }
                        assertClose(expected.name() + " weights with " + runs[r], reference.weights(), actual.weights(), 2e-4, 2e-3);
                        assertClose(expected.name() + " bias with " + runs[r], reference.bias(), actual.bias(), 2e-4, 2e-3);
                    }
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
