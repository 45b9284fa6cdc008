package dev.graft.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.conformance.TestData;
import dev.graft.data.Dataset;
import dev.graft.reference.ReferenceBackend;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The heap cache: fp32/fp16 storage, reuse of a lower boundary, and fp16's effect on accuracy. */
class MemoryCacheTest {

    private final Model prefix = CacheFixtures.model().slice(0, 2);
    private final Dataset data = CacheFixtures.data(5);

    @Test
    void fp16HalvesTheMemoryAndKeepsValuesWithinHalfPrecision() {
        ReferenceBackend ref = new ReferenceBackend();
        MemoryCache full = new MemoryCache();
        MemoryCache half = new MemoryCache(Storage.FP16);
        CacheFixtures.Events events = new CacheFixtures.Events();
        float[] f = DiskCacheTest.all(full.source(prefix, data, ref, events));
        float[] h = half.features(prefix, data, ref, events).features();
        assertEquals(full.bytes() / 2, half.bytes());
        assertEquals(1300L * 12 * Float.BYTES, full.bytes());
        assertArrayEquals(DiskCacheTest.expected(prefix, data), f);
        for (int i = 0; i < f.length; i++) {
            assertEquals(f[i], h[i], Math.abs(f[i]) * 0x1p-11 + 0x1p-25, "value " + i);
        }
        half.source(prefix, data, ref, events);
        assertTrue(events.last().hit());
        assertEquals(new CacheStats(1, 0, 1, half.stats().featurizeSeconds()), half.stats());
    }

    @Test
    void fp16OverflowIsAClearError() {
        Model big = Model.builder(2, 1).dense("big", 1, Activation.IDENTITY).build();
        Dense layer = ((Dense) big.layer(0)).withParameters(new float[] {1e5f, 0}, new float[] {0});
        Model prefix = big.with(0, layer.withTrainable(false));
        Dataset d = Dataset.classification(new float[] {0.1f, 0, 1, 0}, 2, new int[] {0, 1}, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MemoryCache(Storage.FP16).source(prefix, d, new ReferenceBackend(), new CacheFixtures.Events()));
        assertTrue(e.getMessage().contains("sample 1") && e.getMessage().contains("FP32"), e.getMessage());
    }

    @Test
    void everyBoundaryKeepsLowerOutputsForGradualUnfreezing() {
        MemoryCache cache = new MemoryCache(Storage.FP32, true);
        CacheFixtures.Events events = new CacheFixtures.Events();
        cache.source(prefix, data, new ReferenceBackend(), events);
        assertEquals(2, cache.size());
        CountingBackend counting = new CountingBackend(new ReferenceBackend());
        FeatureSource lower = cache.source(prefix.slice(0, 1), data, counting.backend, events);
        assertTrue(events.last().hit());
        assertEquals(0, counting.frozenPasses.get());
        assertArrayEquals(DiskCacheTest.expected(prefix.slice(0, 1), data), DiskCacheTest.all(lower));
    }

    /**
     * Fine-tunes a new head on Fashion-MNIST over a frozen, pre-trained hidden layer with fp32 and fp16
     * features, and reports the difference in test accuracy.
     */
    @Test
    void fp16FeaturesGiveNearlyTheSameAccuracyOnFashionMnist() {
        ReferenceBackend ref = new ReferenceBackend();
        Dataset train = TestData.fashionTrain().head(2000);
        Dataset test = TestData.fashionTest().head(1000);
        Model base = Model.builder(784, 7).dense("h1", 48, Activation.RELU).dense("out", 10, Activation.IDENTITY).build();
        Model pretrained = Trainer.builder(ref).optimizer(Optimizer.adam(0.003f)).epochs(2).batchSize(32).seed(1).build()
                .fit(base, train).model();
        Model transferred = Transfer.from(pretrained).freezeThrough("h1").replaceOutput(10).seed(2).build();
        double[] accuracy = new double[2];
        List<Storage> storages = List.of(Storage.FP32, Storage.FP16);
        for (int s = 0; s < 2; s++) {
            Trainer trainer = Trainer.builder(ref).optimizer(Optimizer.adam(0.003f)).epochs(4).batchSize(32).seed(3)
                    .cache(new MemoryCache(storages.get(s))).build();
            accuracy[s] = trainer.evaluate(trainer.fit(transferred, train).model(), test).accuracy();
        }
        System.out.printf("fp16 vs fp32 bottleneck storage on Fashion-MNIST (2,000 train / 1,000 test): "
                + "accuracy %.4f vs %.4f, difference %+.4f%n", accuracy[1], accuracy[0], accuracy[1] - accuracy[0]);
        assertTrue(accuracy[0] > 0.6, "fp32 run learned nothing: " + accuracy[0]);
        assertEquals(accuracy[0], accuracy[1], 0.02, "fp16 storage should cost under 2 points of accuracy");
    }
}
