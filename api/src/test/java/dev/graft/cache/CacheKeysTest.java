package dev.graft.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.conformance.TestData;
import dev.graft.data.Dataset;
import dev.graft.reference.ReferenceBackend;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What is and is not in a cache key. */
class CacheKeysTest {

    private final Model prefix = CacheFixtures.model().slice(0, 2);
    private final Dataset data = CacheFixtures.data(5);

    @Test
    void prefixKeysAreTheKeysOfEachLeadingPart() {
        String[] keys = CacheKeys.prefixKeys(prefix, data.featureFingerprint(), "", "fp32");
        assertEquals(CacheKeys.key(prefix.slice(0, 1), data.featureFingerprint(), "fp32"), keys[0]);
        assertEquals(CacheKeys.key(prefix, data), keys[1]);
        assertTrue(CacheKeys.isKey(keys[1]));
    }

    @Test
    void everythingThatChangesTheValuesChangesTheKey() {
        Dense h2 = (Dense) prefix.layer(1);
        float[] b = h2.bias();
        b[0] = Math.nextDown(b[0]);
        float[] x = data.features();
        x[x.length - 1] = -x[x.length - 1];
        String fp = data.fingerprint();
        List<String> keys = List.of(
                CacheKeys.prefixKeys(prefix, fp, "", "fp32")[1],
                CacheKeys.prefixKeys(prefix.with(1, h2.withParameters(h2.weights(), b)), fp, "", "fp32")[1],
                CacheKeys.prefixKeys(prefix, Dataset.classification(x, 24, data.labels(), 3).featureFingerprint(), "", "fp32")[1],
                CacheKeys.prefixKeys(prefix, fp, "scaled", "fp32")[1],
                CacheKeys.prefixKeys(prefix, fp, "", "fp16")[1],
                CacheKeys.prefixKeys(prefix, fp, "", "fp32")[0],
                // The fingerprint/preprocessing boundary is length-prefixed: moving text across it changes the key.
                CacheKeys.prefixKeys(prefix, fp + "x", "", "fp32")[1],
                CacheKeys.prefixKeys(prefix, fp, "x", "fp32")[1]);
        Set<String> distinct = new HashSet<>(keys);
        assertEquals(keys.size(), distinct.size(), "keys must all differ: " + keys);
    }

    @Test
    void trainabilityIsNotInTheKey() {
        Model trainable = prefix.with(1, prefix.layer(1).withTrainable(true));
        assertEquals(CacheKeys.key(prefix, data), CacheKeys.key(trainable, data));
        assertNotEquals(CacheKeys.key(prefix, data), CacheKeys.key(prefix.slice(0, 1), data));
    }

    @Test
    void labelsAreNotInTheKey() {
        int[] other = data.labels();
        for (int i = 0; i < other.length; i++) {
            other[i] = (other[i] + 1) % 3;
        }
        Dataset relabelled = Dataset.classification(data.features(), 24, other, 3);
        assertNotEquals(data.fingerprint(), relabelled.fingerprint(), "the whole fingerprint still covers labels");
        assertEquals(CacheKeys.key(prefix, data), CacheKeys.key(prefix, relabelled));
        assertEquals(CacheKeys.key(prefix, data), CacheKeys.key(prefix, data.withoutLabels()));
        assertEquals(CacheKeys.key(prefix, data), CacheKeys.key(prefix, data.relabel(0, 0, 1)),
                "merging classes keeps every row, so the features are the same");
        assertNotEquals(CacheKeys.key(prefix, data), CacheKeys.key(prefix, data.relabel(0, -1, 1)),
                "dropping a class drops rows");
    }

    @Test
    void sameImagesWithOtherLabelsShareAnEntry() throws java.io.IOException {
        Dataset tenClasses = TestData.fashionTest().head(300);
        Dataset pairs = tenClasses.relabel(0, 0, 1, 1, 2, 2, 3, 3, 4, 4);   // a second task on the same images
        Model frozen = Model.builder(784, 3).dense("h", 16, dev.graft.Activation.RELU).build();
        MemoryCache cache = new MemoryCache();
        CacheFixtures.Events events = new CacheFixtures.Events();
        try (ReferenceBackend backend = new ReferenceBackend()) {
            Dataset a = cache.features(frozen, tenClasses, backend, events);
            Dataset b = cache.features(frozen, pairs, backend, events);
            assertTrue(events.last().hit(), "the second task's features come from the first task's entry");
            assertEquals(1, cache.stats().misses());
            assertEquals(1, cache.stats().hits());
            assertArrayEquals(a.features(), b.features());
            assertArrayEquals(pairs.labels(), b.labels(), "each task keeps its own labels beside the shared features");
            assertEquals(5, b.classes());
        }
    }
}
