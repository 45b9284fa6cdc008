package dev.graft.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.data.Dataset;
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
        String[] keys = CacheKeys.prefixKeys(prefix, data.fingerprint(), "", "fp32");
        assertEquals(CacheKeys.key(prefix.slice(0, 1), data.fingerprint(), "fp32"), keys[0]);
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
                CacheKeys.prefixKeys(prefix, Dataset.classification(x, 24, data.labels(), 3).fingerprint(), "", "fp32")[1],
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
}
