package dev.graft.cpu;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Runs {@code cblas_sgemm} the way a {@link CpuGemmPlan} says: as one call, or as blocks of C's
 * rows or columns and of the inner dimension, on the calling thread or split across a
 * {@link CpuWorkers} pool. One per {@link CpuBackend}, used by one thread at a time; it decides
 * each shape's plan once ({@link CpuGemmPlan#choose}), logs the decision, and reuses it, so the
 * same shape always sums in the same order and gives the same bits. Closing it stops the workers.
 */
final class CpuGemm implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(CpuGemm.class.getName());

    /** Shapes remembered; a network has a handful per layer, so past this the plan is recomputed (same rule) and not logged. */
    private static final int MAX_CACHED = 512;

    /**
     * {@code -Dgraft.cpu.gemmPlans=false} runs every GEMM as one call with OpenBLAS's threads, as before
     * the plans (for comparisons); read when a backend makes its first GEMM.
     */
    static final String PLANS_PROPERTY = "graft.cpu.gemmPlans";

    /**
     * {@code -Dgraft.cpu.gemmBlasThreadsMnk=N}: at 2+ threads, products of more than N multiply-adds
     * run as one call on OpenBLAS's threads, smaller ones are shared with the workers (default
     * {@link CpuGemmPlan#BLAS_THREADS_MNK}); for measuring the crossover on a given machine.
     */
    static final String BLAS_THREADS_PROPERTY = "graft.cpu.gemmBlasThreadsMnk";

    /**
     * {@code -Dgraft.cpu.gemmWorkers=true}: at 2+ threads, share the blocks of products with the
     * backend's own worker threads ({@link CpuWorkers}) instead of leaving threads to OpenBLAS. Off by
     * default: on the idle development machine, OpenBLAS's threads won (see {@link CpuGemmPlan#choose}).
     */
    static final String WORKERS_PROPERTY = "graft.cpu.gemmWorkers";

    private final int threads;
    private final boolean planned;
    private final boolean shareWithWorkers = Boolean.getBoolean(WORKERS_PROPERTY);
    private final long blasThreadsMnk = Long.getLong(BLAS_THREADS_PROPERTY,
            shareWithWorkers ? CpuGemmPlan.BLAS_THREADS_MNK : CpuGemmPlan.OPENBLAS_THREADS_MNK);
    private final List<Entry> plans = new ArrayList<>();
    private Entry last;
    /** Made on the first split plan, with {@code threads - 1} workers. */
    private CpuWorkers workers;
    /** Per part: views of A, B and C at a block's offset (no allocation per call). */
    private final View[][] views;
    private final Split split = new Split();

    CpuGemm(int threads) {
        this(threads, Boolean.parseBoolean(System.getProperty(PLANS_PROPERTY, "true")));
    }

    /** {@code planned} false: every shape is one call with {@code threads} OpenBLAS threads. */
    CpuGemm(int threads, boolean planned) {
        this.threads = threads;
        this.planned = planned;
        views = new View[threads][];
        for (int p = 0; p < threads; p++) {
            views[p] = new View[] {new View(), new View(), new View()};
        }
    }

    /** The plan for a shape: remembered after its first use, chosen by {@link CpuGemmPlan#choose} and logged then. */
    CpuGemmPlan plan(boolean transA, boolean transB, int m, int n, int k) {
        Entry e = last;
        if (e != null && e.matches(transA, transB, m, n, k)) {
            return e.plan;
        }
        for (int i = plans.size() - 1; i >= 0; i--) {
            e = plans.get(i);
            if (e.matches(transA, transB, m, n, k)) {
                last = e;
                return e.plan;
            }
        }
        CpuGemmPlan plan = !planned ? CpuGemmPlan.whole(threads, PLANS_PROPERTY + "=false")
                : shareWithWorkers ? CpuGemmPlan.choose(transA, transB, m, n, k, threads, blasThreadsMnk)
                : CpuGemmPlan.chooseWithoutWorkers(transA, transB, m, n, k, threads, blasThreadsMnk);
        if (plans.size() < MAX_CACHED) {
            last = new Entry(transA, transB, m, n, k, plan);
            plans.add(last);
            LOG.log(System.Logger.Level.DEBUG,
                    () -> "gemm " + shape(transA, transB, m, n, k) + " at " + threads
                            + (threads == 1 ? " thread: " : " threads: ") + plan);
        }
        return plan;
    }

    /** {@code C = alpha·op(A)·op(B) + beta·C} (sizes checked by the caller, all positive) by the shape's plan. */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float alpha, FloatPointer a, FloatPointer b, float beta, FloatPointer c) {
        run(plan(transA, transB, m, n, k), transA, transB, m, n, k, alpha, a, b, beta, c);
    }

    /** Runs {@code plan} for this product (also for measuring plans against each other). */
    void run(CpuGemmPlan plan, boolean transA, boolean transB, int m, int n, int k,
             float alpha, FloatPointer a, FloatPointer b, float beta, FloatPointer c) {
        if (plan.isWhole()) {
            if (plan.blasThreads() > 1 && workers != null) {
                workers.rest();
            }
            CpuNatives.useThreads(plan.blasThreads());
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    m, n, k, alpha, a, transA ? m : k, b, transB ? k : n, beta, c, n);
            return;
        }
        CpuNatives.useThreads(plan.blasThreads());
        split.set(plan, transA, transB, m, n, k, alpha, a, b, beta, c);
        if (!plan.shared() || threads == 1 || split.tiles == 1) {
            for (int t = 0; t < split.tiles; t++) {
                split.run(t, 0);
            }
        } else {
            if (workers == null) {
                workers = new CpuWorkers(threads - 1);
            }
            workers.run(split.tiles, split);
        }
    }

    /** Whether the worker threads (if any were started) have ended; for tests of {@link #close()}. */
    boolean workersStopped() {
        return workers == null || workers.stopped();
    }

    /** Whether a worker pool has been started. */
    boolean workersStarted() {
        return workers != null;
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.close();
        }
    }

    static String shape(boolean transA, boolean transB, int m, int n, int k) {
        return m + "x" + k + (transA ? "(A stored transposed)" : "") + " * " + k + "x" + n
                + (transB ? "(B stored transposed)" : "");
    }

    private record Entry(boolean transA, boolean transB, int m, int n, int k, CpuGemmPlan plan) {
        boolean matches(boolean ta, boolean tb, int mm, int nn, int kk) {
            return m == mm && n == nn && k == kk && transA == ta && transB == tb;
        }
    }

    /** A movable pointer into a buffer: {@code cblas_sgemm} reads JavaCPP's address plus position. */
    private static final class View extends FloatPointer {
        View at(FloatPointer base, long offset) {
            address = base.address();
            position = offset;
            limit = base.limit();
            capacity = base.capacity();
            return this;
        }
    }

    /**
     * The current split product as a job of tiles. A tile is a block of C's rows and columns; its
     * inner dimension runs in order, block by block, the first with {@code beta} and the rest
     * accumulating, so every element's sum has the same order whichever thread runs the tile.
     */
    private final class Split implements CpuWorkers.Job {
        private int rowBlock;
        private int colBlock;
        private int depthBlock;
        private int colTiles;
        int tiles;
        private boolean transA;
        private boolean transB;
        private int m;
        private int n;
        private int k;
        private float alpha;
        private float beta;
        private FloatPointer a;
        private FloatPointer b;
        private FloatPointer c;

        void set(CpuGemmPlan plan, boolean ta, boolean tb, int mm, int nn, int kk,
                 float al, FloatPointer aa, FloatPointer bb, float be, FloatPointer cc) {
            rowBlock = Math.min(plan.rowBlock(), mm);
            colBlock = Math.min(plan.colBlock(), nn);
            depthBlock = Math.min(plan.depthBlock(), kk);
            colTiles = (nn + colBlock - 1) / colBlock;
            tiles = ((mm + rowBlock - 1) / rowBlock) * colTiles;
            transA = ta;
            transB = tb;
            m = mm;
            n = nn;
            k = kk;
            alpha = al;
            beta = be;
            a = aa;
            b = bb;
            c = cc;
        }

        @Override
        public void run(int tile, int thread) {
            View[] v = views[thread];
            int lda = transA ? m : k;
            int ldb = transB ? k : n;
            int i = (tile / colTiles) * rowBlock;
            int j = (tile % colTiles) * colBlock;
            int rows = Math.min(rowBlock, m - i);
            int cols = Math.min(colBlock, n - j);
            for (int p = 0; p < k; p += depthBlock) {
                int depth = Math.min(depthBlock, k - p);
                long aOffset = transA ? (long) p * m + i : (long) i * k + p;
                long bOffset = transB ? (long) j * k + p : (long) p * n + j;
                cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        rows, cols, depth, alpha, v[0].at(a, aOffset), lda, v[1].at(b, bOffset), ldb,
                        p == 0 ? beta : 1f, v[2].at(c, (long) i * n + j), n);
            }
        }
    }
}
