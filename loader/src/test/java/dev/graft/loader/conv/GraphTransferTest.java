package dev.graft.loader.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.GlobalAveragePooling2D;
import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.cache.BottleneckCache;
import dev.graft.cache.DiskCache;
import dev.graft.data.Dataset;
import dev.graft.loader.Models;
import dev.graft.reference.ReferenceBackend;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Teachable-Machine-style MobileNetV2 file through the Java API: cut at {@code block_13_expand} (a residual
 * graph above and below), freeze the base, a pooling and a new head on the cut, train with the bottleneck cached on
 * disk -- the second run reads the cache, trains the same head, and the source model is left as it was.
 */
class GraphTransferTest {

    @TempDir
    Path dir;

    @Test
    void cutFreezeCacheAndTrainAMobileNetV2Graph() throws Exception {
        FrameworkFixture f = FrameworkFixture.of("keras3-mobilenetv2-tm", "model.h5", null);
        Model source = Models.load(f.modelPath()).model();
        Model base = Transfer.from(source).keepThrough("block_13_expand").build();
        Model model = Transfer.from(source).keepThrough("block_13_expand").freezeThrough("block_13_expand")
                .add(new GlobalAveragePooling2D("pool", source.layer("block_13_expand").outputShape(), false))
                .add(Dense.spec("head", 3, Activation.SOFTMAX)).seed(5).build();

        assertFalse(model.isChain(), "the kept part has residual Adds");
        assertEquals(base.size() + 2, model.size());
        assertEquals(List.of("block_12_add"), model.inputsOf("block_13_expand"));
        assertEquals(base.size() + 1, model.frozenPrefixLength(), "everything below the head is frozen and cached");
        assertTrue(model.isCut(model.frozenPrefixLength()));
        assertTrue(source.layer("block_13_expand").trainable() && source.find("block_14_expand").isPresent(),
                "the source model is unchanged");

        Dataset data = images(12, new SplittableRandom(9));
        List<TrainingListener.FeaturesEvent> events = new ArrayList<>();
        Model first = train(model, data, DiskCache.builder(dir).build(), events);
        Model second = train(model, data, DiskCache.builder(dir).build(), events);
        Model uncached = train(model, data, null, events);
        assertEquals(List.of(false, true), events.stream().map(TrainingListener.FeaturesEvent::hit).toList(),
                "the first run computes the features, the second reads them (the uncached run has no feature event)");
        assertEquals(model.frozenPrefixLength(), events.get(1).frozenLayers());
        assertArrayEquals(first.layer("head").parameterValues("kernel"), second.layer("head").parameterValues("kernel"),
                "same features, same seed: the same head");
        float[] a = first.layer("head").parameterValues("kernel");
        float[] b = uncached.layer("head").parameterValues("kernel");
        for (int i = 0; i < a.length; i++) {
            assertEquals(b[i], a[i], 1e-5, "training on cached features matches running the frozen base every epoch");
        }
        assertArrayEquals(model.layer("block_13_expand").parameterValues("kernel"),
                first.layer("block_13_expand").parameterValues("kernel"), "the frozen base is not trained");
    }

    private static Model train(Model model, Dataset data, BottleneckCache cache, List<TrainingListener.FeaturesEvent> events) {
        var b = Trainer.builder(new ReferenceBackend()).optimizer(Optimizer.adam(0.01f)).epochs(2).batchSize(4).seed(2)
                .listener(new TrainingListener() {
                    @Override public void onFeatures(FeaturesEvent e) { events.add(e); }
                });
        if (cache != null) {
            b.cache(cache);
        }
        return b.build().fit(model, data).model();
    }

    private static Dataset images(int n, SplittableRandom r) {
        int width = 64 * 64 * 3;
        float[] x = new float[n * width];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
            for (int j = 0; j < width; j++) {
                x[i * width + j] = (float) (r.nextDouble() * 2 - 1) * 0.5f + (j % 3 == y[i] ? 0.5f : 0f);
            }
        }
        return Dataset.classification(x, width, y, 3);
    }
}
