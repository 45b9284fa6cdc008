package dev.graft.conformance;

import static dev.graft.conformance.Conformance.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.cache.CacheKeys;
import dev.graft.cache.DiskCache;
import dev.graft.cache.FeatureSource;
import dev.graft.cache.Featurizer;
import dev.graft.cache.MemoryCache;
import dev.graft.data.Augmentation;
import dev.graft.data.Dataset;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Augmentation that keeps the cache, on the backend under test: the cached features of view
 * {@code j} of an image are the frozen forward of that augmented image computed directly; training
 * on cached views equals training on views computed every epoch; the key covers the augmentation
 * and the number of views; one view without distortion is today's cache, bit for bit.
 */
public abstract class AugmentationConformance extends CacheConformance {

    private static final int SIDE = 8;

    /** 8×8 gray images with 3 classes by which quadrant is brightest. */
    private static Dataset quadrantImages(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 60;
        byte[] pixels = new byte[n * SIDE * SIDE];
        int[] labels = new int[n];
        for (int s = 0; s < n; s++) {
            labels[s] = s % 3;
            for (int y = 0; y < SIDE; y++) {
                for (int x = 0; x < SIDE; x++) {
                    int bright = (labels[s] == 0 && y < 4) || (labels[s] == 1 && x < 4) || (labels[s] == 2 && y >= 4 && x >= 4) ? 120 : 0;
                    pixels[s * SIDE * SIDE + y * SIDE + x] = (byte) (r.nextInt(120) + bright);
                }
            }
        }
        return Dataset.wrapPixels(pixels, SIDE * SIDE, labels, 3);
    }

    private static Model frozenBottom() {
        Model base = Model.builder(SIDE * SIDE, 17).dense("h1", 16, Activation.RELU).dense("h2", 10, Activation.TANH)
                .dense("out", 3, Activation.IDENTITY).build();
        return Transfer.from(base).freezeThrough("h1").build();
    }

    private static Augmentation augmentation() {
        return Augmentation.builder(SIDE, SIDE, 1).flip(true).shift(0.125f).rotation(10).brightness(0.1f).contrast(0.2f).seed(3).build();
    }

    @Test
    void cachedViewFeaturesAreTheFrozenForwardOfTheAugmentedImage() {
        viewFeaturesMatchTheDirectForward(frozenBottom().slice(0, 1));
    }

    @Test
    void cachedViewFeaturesOfAConvolutionalPrefixAreItsForwardOfTheAugmentedImage() {
        viewFeaturesMatchTheDirectForward(Model.builder(dev.graft.Shape.of(SIDE, SIDE, 1), 5)
                .conv2d("conv", 3, 3, Activation.RELU).maxPool("pool", 2).build());
    }

    private void viewFeaturesMatchTheDirectForward(Model prefix) {
        Dataset data = quadrantImages(1);
        Augmentation aug = augmentation();
        int views = 3;
        FeatureSource cached = new MemoryCache().featurize(prefix, aug.views(data, views), data.featureFingerprint(),
                aug.id() + "|views=" + views, backend, new TrainingListener() { });
        float[] image = new float[SIDE * SIDE];
        float[] augmented = new float[data.size() * views * SIDE * SIDE];
        for (int i = 0; i < data.size(); i++) {
            data.copyFeatures(i, image, 0);
            for (int j = 0; j < views; j++) {
                aug.apply(image, 0, augmented, (i * views + j) * SIDE * SIDE, i, j);
            }
        }
        float[] direct = Featurizer.outputs(prefix, Dataset.unlabelled(augmented, SIDE * SIDE), backend, 64);
        float[] fromCache = new float[direct.length];
        cached.copyRows(0, cached.size(), fromCache, 0);
        assertClose("cached view features vs frozen forward of the augmented images", direct, fromCache, 1e-5, 1e-4);
        float[] v0 = Arrays.copyOfRange(augmented, 0, SIDE * SIDE);
        float[] v1 = Arrays.copyOfRange(augmented, SIDE * SIDE, 2 * SIDE * SIDE);
        assertTrue(!Arrays.equals(v0, v1), "views 0 and 1 of image 0 should differ");
        float[] again = new float[SIDE * SIDE];
        aug.apply(image, 0, again, 0, data.size() - 1, views - 1);
        assertTrue(Arrays.equals(Arrays.copyOfRange(augmented, augmented.length - SIDE * SIDE, augmented.length), again),
                "a view is the same image every time it is computed");
    }

    private Model train(Model model, Dataset data, Object cache, Augmentation aug, int views, TrainingListener listener) {
        Trainer.Builder b = Trainer.builder(backend).optimizer(Optimizer.momentum(0.05f, 0.9f)).epochs(3).batchSize(16).seed(6)
                .listener(listener);
        if (cache != null) {
            b.cache((dev.graft.cache.BottleneckCache) cache);
        }
        if (aug != null) {
            b.augment(aug, views);
        }
        return b.build().fit(model, data).model();
    }

    @Test
    void trainingOnCachedViewsEqualsTrainingOnViewsComputedEachEpoch() throws IOException {
        Model model = frozenBottom();
        Dataset data = quadrantImages(2);
        List<TrainingListener.FeaturesEvent> events = new ArrayList<>();
        TrainingListener recorder = new TrainingListener() {
            @Override public void onFeatures(FeaturesEvent e) { events.add(e); }
        };
        Path dir = Files.createTempDirectory("graft-augment-conformance");
        try {
            Model plain = train(model, data, null, augmentation(), 4, recorder);
            Model first = train(model, data, DiskCache.open(dir), augmentation(), 4, recorder);
            Model second = train(model, data, DiskCache.open(dir), augmentation(), 4, recorder);
            assertEquals(List.of(false, true), events.stream().map(TrainingListener.FeaturesEvent::hit).toList(),
                    "the disk cache featurizes the views once, then reads them");
            assertEquals(data.size() * 4, events.get(0).samples(), "4 views per image are cached");
            for (Model m : List.of(first, second)) {
                for (String layer : List.of("h2", "out")) {
                    Dense expected = (Dense) plain.layer(plain.indexOf(layer));
                    Dense actual = (Dense) m.layer(m.indexOf(layer));
                    assertClose(layer + " weights, cached views vs computed views", expected.weights(), actual.weights(), 2e-4, 2e-3);
                }
            }
            Model fewer = train(model, data, DiskCache.open(dir), augmentation(), 2, recorder);
            Model otherSeed = train(model, data, DiskCache.open(dir),
                    Augmentation.builder(SIDE, SIDE, 1).flip(true).shift(0.125f).seed(4).build(), 4, recorder);
            assertEquals(3, events.stream().map(TrainingListener.FeaturesEvent::key).distinct().count(),
                    "other view counts and other augmentation settings read other entries");
            assertTrue(!events.get(2).hit() && !events.get(3).hit());
            assertNotEquals(Arrays.toString(((Dense) fewer.layer(1)).weights()), Arrays.toString(((Dense) otherSeed.layer(1)).weights()));
        } finally {
            DiskCache.open(dir).clear();
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void oneViewWithoutDistortionIsTodaysCache() {
        Model model = frozenBottom();
        Dataset data = quadrantImages(3);
        List<String> keys = new ArrayList<>();
        TrainingListener recorder = new TrainingListener() {
            @Override public void onFeatures(FeaturesEvent e) { keys.add(e.key()); }
        };
        Model today = train(model, data, new MemoryCache(), null, 1, recorder);
        Model none = train(model, data, new MemoryCache(), Augmentation.builder(SIDE, SIDE, 1).build(), 1, recorder);
        assertEquals(CacheKeys.key(model.slice(0, 1), data), keys.get(0));
        assertEquals(keys.get(0), keys.get(1), "K = 1 without augmentation reads today's entry");
        for (String layer : List.of("h2", "out")) {
            Dense a = (Dense) today.layer(today.indexOf(layer));
            Dense b = (Dense) none.layer(none.indexOf(layer));
            assertTrue(Arrays.equals(a.weights(), b.weights()) && Arrays.equals(a.bias(), b.bias()),
                    layer + ": K = 1 without augmentation trains exactly as without");
        }
    }
}
