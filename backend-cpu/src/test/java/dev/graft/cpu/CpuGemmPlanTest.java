package dev.graft.cpu;

import static dev.graft.cpu.CpuTestSupport.assertClose;
import static dev.graft.cpu.CpuTestSupport.get;
import static dev.graft.cpu.CpuTestSupport.put;
import static dev.graft.cpu.CpuTestSupport.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.spi.BackendOptions;
import dev.graft.spi.DeviceBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Per-shape GEMM plans ({@link CpuGemmPlan}, {@link CpuGemm}) and the worker threads
 * ({@link CpuWorkers}): every decomposition, serial or shared between threads, against an
 * independent triple loop in double precision; plans are stable; closing stops the workers.
 */
class CpuGemmPlanTest {

    private static final int MAX = Integer.MAX_VALUE;

    /** Decompositions that cut every dimension, with ragged last blocks at the odd sizes below. */
    private static List<CpuGemmPlan> forcedPlans() {
        List<CpuGemmPlan> plans = new ArrayList<>();
        plans.add(CpuGemmPlan.whole(1, "one call"));
        plans.add(new CpuGemmPlan(16, MAX, MAX, false, 1, "rows"));
        plans.add(new CpuGemmPlan(MAX, 8, MAX, false, 1, "columns"));
        plans.add(new CpuGemmPlan(MAX, MAX, 32, false, 1, "depth"));
        plans.add(new CpuGemmPlan(24, 16, 40, false, 1, "all three"));
        plans.add(new CpuGemmPlan(16, MAX, MAX, true, 1, "rows shared"));
        plans.add(new CpuGemmPlan(MAX, 8, 32, true, 1, "columns and depth shared"));
        plans.add(new CpuGemmPlan(7, 5, 3, true, 1, "small tiles shared"));
        return plans;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void everyPlanMatchesATripleLoop(int threads) {
        int[] ms = {1, 63, 65, 257};
        int[][] nks = {{37, 129}, {5, 3}, {1, 65}};
        try (CpuBackend backend = new CpuBackend(threads); CpuGemm gemm = new CpuGemm(threads)) {
            for (int m : ms) {
                for (int[] nk : nks) {
                    for (int t = 0; t < 4; t++) {
                        for (float beta : new float[] {0f, 1f}) {
                            boolean transA = (t & 1) != 0;
                            boolean transB = (t & 2) != 0;
                            for (CpuGemmPlan plan : forcedPlans()) {
                                check(backend, gemm, plan, transA, transB, m, nk[0], nk[1], beta);
                            }
                            check(backend, gemm, null, transA, transB, m, nk[0], nk[1], beta);
                        }
                    }
                }
            }
        }
    }

    /** The shapes the rule splits (the seed head's at batch 256), through {@link CpuBackend#gemm}, at 1 and 2 threads. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void theBackendsChosenPlansMatchATripleLoop(int threads) {
        try (CpuBackend backend = new CpuBackend(threads); CpuGemm gemm = new CpuGemm(threads)) {
            int[][] shapes = {{0, 0, 256, 50, 100}, {1, 0, 100, 50, 256}, {0, 1, 256, 100, 50}, {0, 0, 64, 50, 100},
                {1, 0, 50, 5, 300}, {0, 0, 129, 33, 97}, {1, 0, 300, 100, 64}};
            for (int[] s : shapes) {
                for (float beta : new float[] {0f, 1f}) {
                    check(backend, gemm, null, s[0] == 1, s[1] == 1, s[2], s[3], s[4], beta);
                }
            }
            CpuGemmPlan forward = CpuGemmPlan.choose(false, false, 256, 50, 100, threads);
            assertEquals(CpuGemmPlan.ROW_BLOCK, forward.rowBlock(), forward.toString());
            CpuGemmPlan weights = CpuGemmPlan.choose(true, false, 100, 50, 256, threads);
            assertEquals(CpuGemmPlan.DEPTH_BLOCK, weights.depthBlock(), weights.toString());
        }
    }

    /**
     * {@code plan == null}: the backend's own {@code gemm}; otherwise {@code gemm.run(plan)}.
     * Compares with a double-precision triple loop written here, independent of the plans.
     */
    private static void check(CpuBackend backend, CpuGemm gemm, CpuGemmPlan plan, boolean transA, boolean transB,
                              int m, int n, int k, float beta) {
        SplittableRandom rnd = new SplittableRandom(m * 1_000_003L + n * 1009L + k);
        float alpha = 0.75f;
        float[] a = random(rnd, m * k);
        float[] b = random(rnd, k * n);
        float[] c = random(rnd, m * n);
        double[] expected = CpuTestSupport.gemmByHand(transA, transB, m, n, k, alpha, a, b, beta, c);
        DeviceBuffer ab = put(backend, a);
        DeviceBuffer bb = put(backend, b);
        DeviceBuffer cb = put(backend, c);
        if (plan == null) {
            backend.gemm(transA, transB, m, n, k, alpha, ab, bb, beta, cb);
        } else {
            gemm.run(plan, transA, transB, m, n, k, alpha, ((CpuBuffer) ab).pointer(), ((CpuBuffer) bb).pointer(),
                    beta, ((CpuBuffer) cb).pointer());
        }
        String what = (plan == null ? "backend plan " + CpuGemmPlan.choose(transA, transB, m, n, k, backend.threads()) : plan.reason())
                + " " + CpuGemm.shape(transA, transB, m, n, k) + " beta " + beta;
        assertClose(expected, get(backend, cb, m * n), 1e-5 * Math.sqrt(k), what);
        ab.close();
        bb.close();
        cb.close();
    }

    @Test
    void aShapesPlanIsChosenOnceAndIsTheSameEverywhere() {
        try (CpuGemm one = new CpuGemm(2); CpuGemm other = new CpuGemm(2)) {
            CpuGemmPlan first = one.plan(true, false, 100, 50, 256);
            one.plan(false, false, 256, 50, 100);
            assertSame(first, one.plan(true, false, 100, 50, 256), "remembered, not re-chosen");
            assertEquals(first, other.plan(true, false, 100, 50, 256), "another backend chooses the same");
            assertEquals(first, CpuGemmPlan.chooseWithoutWorkers(true, false, 100, 50, 256, 2, CpuGemmPlan.OPENBLAS_THREADS_MNK),
                    "by default no worker threads");
        }
        CpuGemmPlan bigByDefault = CpuGemmPlan.chooseWithoutWorkers(false, false, 256, 300, 784, 2, CpuGemmPlan.OPENBLAS_THREADS_MNK);
        assertTrue(bigByDefault.isWhole() && bigByDefault.blasThreads() == 2, "default: a large product on OpenBLAS's threads");
        CpuGemmPlan headByDefault = CpuGemmPlan.chooseWithoutWorkers(false, false, 256, 50, 100, 2, CpuGemmPlan.OPENBLAS_THREADS_MNK);
        assertEquals(CpuGemmPlan.choose(false, false, 256, 50, 100, 1).rowBlock(), headByDefault.rowBlock(),
                "default: a small product in the 1-thread plan's blocks");
        assertFalse(headByDefault.shared());
        assertEquals(2, headByDefault.blasThreads(), "the OpenBLAS count is not switched between calls");
        assertEquals(CpuGemmPlan.choose(false, false, 256, 50, 100, 1), CpuGemmPlan.choose(false, false, 256, 50, 100, 1));
        CpuGemmPlan trunk = CpuGemmPlan.choose(false, false, 256, 300, 784, 2);
        assertTrue(trunk.shared() && trunk.rowBlock() == 128 && trunk.blasThreads() == 1, trunk.toString());
        assertTrue(CpuGemmPlan.choose(false, false, 256, 300, 784, 1).isWhole(), "the trunk is one call at 1 thread");
        CpuGemmPlan threaded = CpuGemmPlan.choose(false, false, 256, 300, 784, 2, 1L << 23);
        assertTrue(threaded.isWhole() && threaded.blasThreads() == 2, "past the set bound: OpenBLAS's threads");
        assertEquals(1, CpuGemmPlan.choose(false, false, 64, 50, 100, 2).blasThreads(), "small: one OpenBLAS thread");
        assertTrue(CpuGemmPlan.choose(false, true, 64, 100, 50, 1).isWhole(), "input gradients stay one call");
        assertEquals(32, CpuGemmPlan.choose(false, false, 64, 50, 100, 2).rowBlock(), "one block of rows per thread");
        assertEquals(CpuGemmPlan.MIN_SHARED_BLOCK, CpuGemmPlan.choose(false, false, 64, 50, 100, 16).rowBlock(),
                "many threads do not cut a product into slivers");
    }

    /** Same shape, same plan, same bits: twice in one backend and in a second backend, shared or not. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void resultsAreTheSameBitsEveryRun(int threads) {
        int[][] shapes = {{0, 0, 256, 50, 100}, {1, 0, 100, 50, 256}, {0, 1, 256, 100, 50}};
        for (int[] s : shapes) {
            float[] first = null;
            for (int run = 0; run < 3; run++) {
                try (CpuBackend backend = new CpuBackend(threads)) {
                    SplittableRandom rnd = new SplittableRandom(5);
                    int m = s[2];
                    int n = s[3];
                    int k = s[4];
                    DeviceBuffer a = put(backend, random(rnd, m * k));
                    DeviceBuffer b = put(backend, random(rnd, k * n));
                    DeviceBuffer c = backend.allocate((long) m * n);
                    for (int repeat = 0; repeat < 20; repeat++) {
                        backend.gemm(s[0] == 1, s[1] == 1, m, n, k, 1f, a, b, 0f, c);
                        float[] out = get(backend, c, m * n);
                        if (first == null) {
                            first = out;
                        } else {
                            assertArrayEquals(first, out, "run " + run + " repeat " + repeat + " of " + CpuGemm.shape(s[0] == 1, s[1] == 1, m, n, k));
                        }
                    }
                }
            }
        }
    }

    @Test
    void closingTheBackendStopsTheWorkers() {
        try (CpuBackend plain = (CpuBackend) new CpuBackendProvider().open(new BackendOptions(2, Map.of()))) {
            SplittableRandom rnd = new SplittableRandom(3);
            plain.gemm(false, false, 256, 50, 100, 1f, put(plain, random(rnd, 256 * 100)), put(plain, random(rnd, 100 * 50)), 0f,
                    plain.allocate(256 * 50));
            assertFalse(plain.gemms().workersStarted(), "by default no worker threads, at 2 threads too");
        }
        CpuBackend backend;
        CpuGemm gemm;
        DeviceBuffer a;
        DeviceBuffer b;
        DeviceBuffer c;
        System.setProperty(CpuGemm.WORKERS_PROPERTY, "true");
        try {
            backend = (CpuBackend) new CpuBackendProvider().open(new BackendOptions(2, Map.of()));
            SplittableRandom rnd = new SplittableRandom(3);
            a = put(backend, random(rnd, 256 * 100));
            b = put(backend, random(rnd, 100 * 50));
            c = backend.allocate(256 * 50);
            backend.gemm(false, false, 256, 50, 100, 1f, a, b, 0f, c);
            gemm = backend.gemms();
        } finally {
            System.clearProperty(CpuGemm.WORKERS_PROPERTY);
        }
        assertTrue(gemm.workersStarted(), "a shared plan at 2 threads starts the workers");
        assertFalse(gemm.workersStopped());
        backend.close();
        assertTrue(gemm.workersStopped(), "close() joins the worker threads");
        assertThrows(IllegalStateException.class, () -> backend.gemm(false, false, 256, 50, 100, 1f, a, b, 0f, c));
    }

    @Test
    void workersRunEveryTileExactlyOnceAndPassOnFailures() {
        try (CpuWorkers workers = new CpuWorkers(2)) {
            for (int job = 0; job < 2000; job++) {
                int tiles = 1 + job % 9;
                AtomicIntegerArray runs = new AtomicIntegerArray(tiles);
                workers.run(tiles, (tile, thread) -> runs.incrementAndGet(tile));
                for (int t = 0; t < tiles; t++) {
                    assertEquals(1, runs.get(t), "job " + job + " tile " + t);
                }
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> workers.run(8, (tile, thread) -> {
                if (tile == 5) {
                    throw new IllegalStateException("tile 5 failed");
                }
            }));
            assertEquals("tile 5 failed", e.getMessage());
            AtomicIntegerArray after = new AtomicIntegerArray(3);
            workers.run(3, (tile, thread) -> after.incrementAndGet(tile));
            assertEquals("[1, 1, 1]", after.toString(), "the pool still works after a failed job");
        }
    }
}
