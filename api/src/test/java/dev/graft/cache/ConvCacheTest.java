package dev.graft.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.ConvWindow;
import dev.graft.Model;
import dev.graft.Shape;
import dev.graft.Transfer;
import dev.graft.conformance.Conformance;
import dev.graft.data.Dataset;
import dev.graft.reference.ReferenceBackend;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache at a convolutional boundary: a frozen conv base's feature maps ({@code [h, w, c]} per
 * sample, stored flat) go to disk in fp16 and come back as the frozen layers computed them, rounded
 * to half precision; training on them matches training on fp16 features held in memory bit for bit.
 */
class ConvCacheTest {

    @TempDir
    Path dir;

    private static Model model() {
        Model m = Model.builder(Shape.of(9, 8, 2), 4)
                .conv2d("conv1", 4, ConvWindow.of(3).same(), Activation.RELU).maxPool("pool1", 2)
                .conv2d("conv2", 6, ConvWindow.of(2).same(), Activation.RELU).maxPool("pool2", 2)
                .flatten("flat").dense("out", 3, Activation.SOFTMAX).build();
        return Transfer.from(m).freezeThrough("pool2").build();
    }

    private static Dataset data() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 40;
        float[] x = Conformance.random(r, n * 144, 1);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(3);
        }
        return Dataset.classification(x, 144, y, 3);
    }

    private static Model train(Model model, Dataset data, BottleneckCache cache, List<TrainingListener.FeaturesEvent> events) {
        return Trainer.builder(new ReferenceBackend()).optimizer(Optimizer.adam(0.01f)).epochs(2).batchSize(8).seed(2)
                .cache(cache).listener(new TrainingListener() {
                    @Override public void onFeatures(FeaturesEvent e) { events.add(e); }
                }).build().fit(model, data).model();
    }

    @Test
    void convFeatureMapsCacheOnDiskInFp16() throws IOException {
        Model model = model();
        Dataset data = data();
        Model prefix = model.slice(0, 4);
        assertEquals(Shape.of(2, 2, 6), prefix.outputShape(), "the cached boundary is an image, not a vector");
        List<TrainingListener.FeaturesEvent> events = new ArrayList<>();
        Model inMemory = train(model, data, new MemoryCache(Storage.FP16), events);
        Model filled = train(model, data, DiskCache.builder(dir).storage(Storage.FP16).build(), events);
        Model read = train(model, data, DiskCache.builder(dir).storage(Storage.FP16).build(), events);
        assertEquals(List.of(false, false, true), events.stream().map(TrainingListener.FeaturesEvent::hit).toList(),
                "memory miss, disk miss, disk hit");
        assertEquals(List.of(4, 4, 4), events.stream().map(TrainingListener.FeaturesEvent::frozenLayers).toList());
        for (Model trained : List.of(filled, read)) {
            assertArrayEquals(inMemory.layer("out").parameterValues("kernel"), trained.layer("out").parameterValues("kernel"),
                    "fp16 features from disk train exactly like fp16 features in memory");
        }
        // The file holds 2 bytes per feature value: 40 samples x 24 values, plus a small header.
        long values = 40L * prefix.outputWidth();
        long bytes;
        try (Stream<Path> files = Files.walk(dir)) {
            bytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(bytes >= values * 2 && bytes < values * 4, "fp16 file of " + bytes + " bytes for " + values + " values");
        // The stored values are the frozen base's outputs rounded to half precision.
        float[] exact = DiskCacheTest.expected(prefix, data);
        float[] cached = DiskCacheTest.all(DiskCache.builder(dir).storage(Storage.FP16).build()
                .source(prefix, data, new ReferenceBackend(), new TrainingListener() { }));
        assertEquals(exact.length, cached.length);
        for (int i = 0; i < exact.length; i++) {
            assertEquals(exact[i], cached[i], Math.abs(exact[i]) * 0x1p-11 + 1e-7, "feature " + i);
        }
    }
}
