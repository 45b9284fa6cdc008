package dev.graft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.cache.MemoryCache;
import dev.graft.conformance.GraphModels;
import dev.graft.data.Dataset;
import dev.graft.reference.ReferenceBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** When a graph's frozen layers reach past the last single-tensor cut, the trainer says so and caches only up to the cut. */
class GraphCacheCutLogTest {

    @Test
    void theTrainerLogsWhyTheCacheStopsAtAnEarlierCut() {
        Model model = Transfer.from(GraphModels.residual(3, 3)).freezeThrough("relu_a").build();
        int n = 12;
        float[] x = new float[n * model.inputWidth()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i * 0.37);
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
        }
        Dataset data = Dataset.classification(x, model.inputWidth(), y, 3);
        List<String> messages = new ArrayList<>();
        Logger jul = Logger.getLogger(Trainer.class.getName());
        Handler capture = new Handler() {
            @Override public void publish(LogRecord r) {
                messages.add(java.text.MessageFormat.format(r.getMessage(), r.getParameters()));
            }
            @Override public void flush() { }
            @Override public void close() { }
        };
        jul.addHandler(capture);
        List<TrainingListener.FeaturesEvent> events = new ArrayList<>();
        try (ReferenceBackend backend = new ReferenceBackend()) {
            Trainer.builder(backend).epochs(1).batchSize(4).cache(new MemoryCache())
                    .listener(new TrainingListener() {
                        @Override public void onFeatures(FeaturesEvent event) { events.add(event); }
                    })
                    .build().fit(model, data);
        } finally {
            jul.removeHandler(capture);
        }
        assertTrue(messages.stream().anyMatch(m -> m.contains("'relu_a'") && m.contains("'stem' also feeds")
                && m.contains("only the first 2 layers (through 'stem')")), messages.toString());
        assertEquals(2, events.get(0).frozenLayers(), "the cache holds the stem's output");
    }
}
