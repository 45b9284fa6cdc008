package dev.graft.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.graft.Activation;
import dev.graft.Add;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.Shape;
import dev.graft.Transfer;
import dev.graft.conformance.GraphModels;
import dev.graft.data.Dataset;
import dev.graft.reference.ReferenceBackend;
import dev.graft.train.TrainingListener;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The bottleneck cache on graph prefixes: edges are in the key, and stored boundaries are only single-tensor cuts. */
class GraphCacheTest {

    private static Model skip(String from) {
        return Model.graph(3)
                .input("x", Shape.vector(3))
                .add(Dense.spec("d1", 3, Activation.TANH), "x")
                .add(Dense.spec("d2", 3, Activation.TANH), "d1")
                .merge(Add.spec("sum"), "d2", from)
                .build();
    }

    @Test
    void theEdgesAreInTheKeyAndChainKeysAreUnchanged() {
        Dataset data = CacheFixtures.data(5).withFeatures(new float[CacheFixtures.data(5).size() * 3], 3);
        assertNotEquals(CacheKeys.key(skip("d1"), data), CacheKeys.key(skip("x"), data),
                "same layers, another skip: other values");
        Model chain = CacheFixtures.model().slice(0, 2);
        Model explicit = new Model(chain.layers(), chain.inbound());
        assertEquals(CacheKeys.key(chain, CacheFixtures.data(5)), CacheKeys.key(explicit, CacheFixtures.data(5)));
    }

    @Test
    void everyBoundaryStoresOnlyCutsAndReusesThem() {
        Model residual = Transfer.from(GraphModels.residual(8, 3)).freezeThrough("pool").build();
        int n = residual.frozenPrefixLength();
        Model prefix = residual.slice(0, n);
        SplittableRandom r = new SplittableRandom(2);
        int rows = 7;
        float[] x = new float[rows * prefix.inputWidth()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        Dataset data = Dataset.classification(x, prefix.inputWidth(), new int[rows], 3);
        try (ReferenceBackend backend = new ReferenceBackend()) {
            MemoryCache cache = new MemoryCache(Storage.FP32, true);
            FeatureSource features = cache.source(prefix, data, backend, new TrainingListener() { });
            float[] got = new float[rows * prefix.outputWidth()];
            features.copyRows(0, rows, got, 0);
            assertArrayEquals(Featurizer.outputs(prefix, data, backend, rows), got);
            // Stored: the cuts after a layer with parameters (stem, add is parameterless, ...) and the top.
            int expected = 1;
            for (int k = 1; k < n; k++) {
                if (prefix.layer(k - 1).parameterCount() > 0 && prefix.isCut(k)) {
                    expected++;
                }
            }
            assertEquals(expected, cache.size(), "entries at " + prefix.names());
            // A longer prefix starts from the highest stored boundary and agrees with a direct run.
            Model longer = Transfer.from(GraphModels.residual(8, 3)).freezeThrough("out").build();
            FeatureSource more = cache.source(longer, data, backend, new TrainingListener() { });
            float[] all = new float[rows * longer.outputWidth()];
            more.copyRows(0, rows, all, 0);
            assertArrayEquals(Featurizer.outputs(longer, data, backend, rows), all);
            assertEquals(1, cache.stats().partialHits());
        }
    }
}
