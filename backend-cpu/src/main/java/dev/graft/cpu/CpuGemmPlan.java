package dev.graft.cpu;

/**
 * How {@link CpuGemm} runs one GEMM shape: C is cut into tiles of {@code rowBlock × colBlock},
 * each tile's inner dimension runs in blocks of {@code depthBlock} (accumulated in order), the
 * tiles run on the calling thread, helped by the backend's {@link CpuWorkers} when {@code shared}, and
 * each {@code cblas_sgemm} call may use {@code blasThreads} OpenBLAS threads.
 *
 * @param reason why the rule chose it, for the log
 */
record CpuGemmPlan(int rowBlock, int colBlock, int depthBlock, boolean shared, int blasThreads, String reason) {

    CpuGemmPlan {
        if (rowBlock < 1 || colBlock < 1 || depthBlock < 1 || blasThreads < 1) {
            throw new IllegalArgumentException("gemm plan sizes must be positive: " + rowBlock + ", " + colBlock
                    + ", " + depthBlock + ", " + blasThreads);
        }
    }

    /** One {@code cblas_sgemm} call with OpenBLAS's own {@code threads}. */
    static CpuGemmPlan whole(int threads, String reason) {
        return new CpuGemmPlan(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, false, threads, reason);
    }

    /** Whether this is a single call. */
    boolean isWhole() {
        return rowBlock == Integer.MAX_VALUE && colBlock == Integer.MAX_VALUE && depthBlock == Integer.MAX_VALUE;
    }

    /**
     * About the most multiply-adds ({@code m·n·k}) that OpenBLAS 0.3.31 runs fast as one small-matrix
     * call (measured: {@code 64×100×50} at 120-145 GFLOP/s, {@code 256×100×50} at 85-100, its blocks
     * of 64 or 128 rows again at 130-137).
     */
    static final long SMALL_KERNEL_MNK = 1L << 20;

    /**
     * At 2+ threads, products past this many multiply-adds run as one call on OpenBLAS's own threads
     * instead of being shared with the workers: by default none. In paired timings of a full
     * 784-300-100-50-5 training step at 2 threads (load 6-8), sharing every product took 1.4 / 2.9 ms
     * (min / median) at batch 64 and 4.2 / 14 ms at batch 256, against 2.9 / 41 and 10.3 / 45 ms with
     * OpenBLAS's threads past 2^23 and 4.9 / 63 and 9.9 / 95 ms with OpenBLAS's threads throughout: a
     * threaded OpenBLAS call waits for its slowest thread, a shared plan never waits for a worker that
     * has no core. {@code -Dgraft.cpu.gemmBlasThreadsMnk} sets it, to measure the crossover on an idle
     * machine.
     */
    static final long BLAS_THREADS_MNK = Long.MAX_VALUE;

    /**
     * The default at 2+ threads (no worker threads): products past this many multiply-adds run as one
     * call on OpenBLAS's own threads, smaller ones as at 1 thread (OpenBLAS's single-threaded
     * small-matrix kernels, in the row and depth blocks below). Measured on the idle development
     * machine, each configuration in its own JVM (the seed race's 500-300-100-50-5 job): OpenBLAS
     * alone gained 1.86x at 2 threads for featurizing at batch 256 and 1.41x for a full training
     * epoch, while sharing blocks with Java workers made the cached head's epochs 1.4-1.8x slower
     * than 1 thread (the hand-off costs more than the 5 µs products it splits) and mixing the two
     * (workers below 2^22, OpenBLAS above) made the uncached epoch 2.5x slower, the two kinds of
     * threads taking each other's cores.
     */
    static final long OPENBLAS_THREADS_MNK = 1L << 22;

    /** The fewest multiply-adds worth sharing between threads (below it the hand-off costs more than half the product). */
    static final long SHARE_MIN_MNK = 1L << 18;

    /** Row block that keeps a product without transposes inside {@link #SMALL_KERNEL_MNK}. */
    static final int ROW_BLOCK = 64;

    /** Fewest rows (or columns) in a block that is shared between threads. */
    static final int MIN_SHARED_BLOCK = 32;

    /** Inner-dimension block for a weight gradient ({@code Aᵀ·B}) summed over a long batch. */
    static final int DEPTH_BLOCK = 128;

    /** Largest weight gradient ({@code m·n}) that {@link #DEPTH_BLOCK} helps; at 500×300 it did not. */
    static final long DEPTH_SPLIT_MAX_MN = 1L << 15;

    /**
     * The plan for a shape at {@code threads} threads: a fixed rule (no timing at run time), so a shape
     * always takes the same plan and gives the same bits. Where the numbers come from
     * ({@code CpuGemmPlanPaired}, paired in one JVM, 1 thread, µs ratios to one call, min/median,
     * load average 3-5 on the 2-core development machine; backend-cpu/README.md):
     * <ul>
     *   <li>{@code A·B} (a dense forward) past {@link #SMALL_KERNEL_MNK} whose 64-row block fits it:
     *       blocks of 64 rows (256×100×50 0.70-0.76/0.70-0.76; 512×100×50 0.75/0.87; 256×100×100
     *       0.58/0.84; 256×100×150 0.83/0.82), while larger blocks lose (256×100×200 1.19/1.14, the
     *       trunk's 256×784×300 1.29/1.17);</li>
     *   <li>{@code Aᵀ·B} (a weight gradient) over more than 128 rows: the batch in blocks of 128,
     *       accumulated (100×50 over 256: 0.58-0.61/0.54-0.65; over 512: 0.62/0.61; 50×5 over 1024:
     *       0.89/0.90), for gradients up to {@link #DEPTH_SPLIT_MAX_MN} floats (500×300, 784×300: 1.02);</li>
     *   <li>{@code A·Bᵀ} (an input gradient): one call (row blocks measured 1.07-1.23).</li>
     * </ul>
     * With more than one thread, products up to {@code blasThreadsMnk} ({@link #BLAS_THREADS_MNK}: all)
     * run with one OpenBLAS thread per call (two OpenBLAS threads were 2-7x slower than one at the
     * head's shapes), and from {@link #SHARE_MIN_MNK} on their tiles are
     * shared with the backend's worker threads: the blocks above, else one block of rows (or, for
     * fewer than 128 rows, of columns) per thread.
     */
    static CpuGemmPlan choose(boolean transA, boolean transB, int m, int n, int k, int threads) {
        return choose(transA, transB, m, n, k, threads, BLAS_THREADS_MNK);
    }

    /** {@link #choose(boolean, boolean, int, int, int, int)} with OpenBLAS's threads only past {@code blasThreadsMnk}. */
    static CpuGemmPlan choose(boolean transA, boolean transB, int m, int n, int k, int threads, long blasThreadsMnk) {
        long mnk = (long) m * n * k;
        int max = Integer.MAX_VALUE;
        if (threads > 1 && mnk > blasThreadsMnk) {
            return whole(threads, "large: OpenBLAS's threads");
        }
        boolean share = threads > 1 && mnk >= SHARE_MIN_MNK;
        if (!transA && !transB && m > ROW_BLOCK && mnk > SMALL_KERNEL_MNK && (long) ROW_BLOCK * n * k <= SMALL_KERNEL_MNK) {
            return new CpuGemmPlan(ROW_BLOCK, max, max, share, 1, "rows of " + ROW_BLOCK + " stay in OpenBLAS's small-matrix kernels");
        }
        if (transA && !transB && k > DEPTH_BLOCK && (long) m * n <= DEPTH_SPLIT_MAX_MN) {
            int rows = share && mnk >= SMALL_KERNEL_MNK ? perThread(m, threads) : max;
            return new CpuGemmPlan(rows, max, DEPTH_BLOCK, rows != max, 1, "weight gradient summed in blocks of " + DEPTH_BLOCK
                    + (rows != max ? ", rows shared" : ""));
        }
        if (share && !transA && !transB) {
            return new CpuGemmPlan(perThread(m, threads), max, max, true, 1, "rows shared");
        }
        if (share && mnk >= SMALL_KERNEL_MNK && m >= 2 * ROW_BLOCK) {
            return new CpuGemmPlan(perThread(m, threads), max, max, true, 1, "rows shared");
        }
        if (share && mnk >= SMALL_KERNEL_MNK && n >= 2 * ROW_BLOCK) {
            return new CpuGemmPlan(max, perThread(n, threads), max, true, 1, "columns shared");
        }
        return whole(1, threads > 1 ? "small: one OpenBLAS thread" : "one call");
    }

    /**
     * The default rule at {@code threads}: past {@code blasThreadsMnk} one call on OpenBLAS's threads,
     * else the 1-thread plan's blocks (no worker threads), still with OpenBLAS set to {@code threads}:
     * its small-matrix kernels run single-threaded whatever the setting, and switching the
     * process-wide count between calls cost more than it saved (an uncached epoch at 2 threads took
     * 880 ms switching, against 419 ms at 1 thread).
     */
    static CpuGemmPlan chooseWithoutWorkers(boolean transA, boolean transB, int m, int n, int k, int threads, long blasThreadsMnk) {
        if (threads > 1 && (long) m * n * k > blasThreadsMnk) {
            return whole(threads, "large: OpenBLAS's threads");
        }
        CpuGemmPlan p = choose(transA, transB, m, n, k, 1, Long.MAX_VALUE);
        return threads == 1 ? p : new CpuGemmPlan(p.rowBlock(), p.colBlock(), p.depthBlock(), false, threads, p.reason());
    }

    /**
     * {@code m / threads}, rounded up (one block per thread), but at least {@link #MIN_SHARED_BLOCK}:
     * 16-row blocks ran 1.2-1.7x slower than one call, so many threads do not cut a product into slivers.
     */
    private static int perThread(int m, int threads) {
        return Math.max(MIN_SHARED_BLOCK, (m + threads - 1) / threads);
    }

    @Override
    public String toString() {
        if (isWhole()) {
            return "one call, " + blasThreads + " OpenBLAS thread" + (blasThreads == 1 ? "" : "s") + " (" + reason + ")";
        }
        return "tiles of " + size(rowBlock) + " rows x " + size(colBlock) + " columns, inner dimension in blocks of "
                + size(depthBlock) + (shared ? ", shared with the worker threads" : ", on the calling thread") + ", " + blasThreads
                + " OpenBLAS thread" + (blasThreads == 1 ? "" : "s") + " per call (" + reason + ")";
    }

    private static String size(int block) {
        return block == Integer.MAX_VALUE ? "all" : String.valueOf(block);
    }
}
