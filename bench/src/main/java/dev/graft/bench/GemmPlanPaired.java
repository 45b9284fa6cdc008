package dev.graft.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * The CPU backend's per-shape GEMM plans against one OpenBLAS call per GEMM, on a whole training step
 * of a dense head layer by layer ({@link FusedHeadBench}'s {@code layers} path), at 1 and 2 threads:
 * four backends ({@code -Dgraft.cpu.gemmPlans=false|true} × threads), timed in alternation in one
 * JVM (blocks of steps of each, the order rotated every round), so all see the same machine load.
 * Prints per-step min and median µs, plans on / off, 2 threads / 1, and per-sample cost at the
 * larger batch against the first.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.graft.bench.GemmPlanPaired [shape...]} (default
 * {@code 100-50-5}); {@code -Dbatches=64,256 -Drounds=300 -DwarmupMillis=3000}.
 */
public final class GemmPlanPaired {

    private static final String PROPERTY = "graft.cpu.gemmPlans";
    private static final String BLAS_THREADS = "graft.cpu.gemmBlasThreadsMnk";
    private static final String WORKERS = "graft.cpu.gemmWorkers";
    private static final String[] NAMES = {"whole, 1 thread", "plans, 1 thread", "whole, 2 threads", "plans, 2 threads",
        "plans, 2, Java workers"};

    private GemmPlanPaired() {
    }

    public static void main(String[] args) {
        String[] shapes = args.length == 0 ? new String[] {"100-50-5"} : args;
        int[] batches = Arrays.stream(System.getProperty("batches", "64,256").split(",")).mapToInt(Integer::parseInt).toArray();
        int rounds = Integer.getInteger("rounds", 300);
        for (String shape : shapes) {
            double[] perSampleFirst = null;
            for (int batch : batches) {
                FusedHeadBench[] benches = new FusedHeadBench[NAMES.length];
                for (int i = 0; i < NAMES.length; i++) {
                    // the backend reads the property at its first GEMM: make it now
                    System.setProperty(PROPERTY, String.valueOf(i % 2 == 1 || i == 4));
                    // the last: every product shared with the backend's worker threads, none on OpenBLAS's threads
                    System.setProperty(WORKERS, String.valueOf(i == 4));
                    if (i == 4) {
                        System.setProperty(BLAS_THREADS, String.valueOf(Long.MAX_VALUE));
                    } else {
                        System.clearProperty(BLAS_THREADS);
                    }
                    benches[i] = bench(shape, batch, i < 2 ? 1 : 2);
                    benches[i].trainStep();
                }
                System.clearProperty(PROPERTY);
                System.clearProperty(BLAS_THREADS);
                System.clearProperty(WORKERS);
                int perBlock = Math.max(2, 1280 / batch);
                RotatedSteps timed = RotatedSteps.time(benches, perBlock, rounds, Long.getLong("warmupMillis", 3000));
                double[][] us = timed.us();
                String loadBefore = timed.loadBefore();
                System.out.printf(Locale.ROOT, "%-12s b%-4d layer by layer, load before %s, after %s%n", shape, batch,
                        loadBefore, PairedRatio.load());
                for (int i = 0; i < NAMES.length; i++) {
                    System.out.printf(Locale.ROOT, "  %-17s min %8.1f us  median %8.1f us  per sample (min) %.3f us%n",
                            NAMES[i], us[i][0], us[i][rounds / 2], us[i][0] / batch);
                }
                ratio("plans / whole, 1 thread", us[1], us[0], rounds);
                ratio("plans / whole, 2 threads", us[3], us[2], rounds);
                ratio("2 threads / 1, plans", us[3], us[1], rounds);
                ratio("2 threads / 1, whole", us[2], us[0], rounds);
                ratio("2 threads / 1, Java workers", us[4], us[1], rounds);
                if (perSampleFirst == null) {
                    perSampleFirst = new double[NAMES.length];
                    for (int i = 0; i < NAMES.length; i++) {
                        perSampleFirst[i] = us[i][0] / batch;
                    }
                } else {
                    for (int i = 0; i < NAMES.length; i++) {
                        System.out.printf(Locale.ROOT, "  per sample b%d / b%d (min), %-17s %.2f%n", batch, batches[0],
                                NAMES[i], us[i][0] / batch / perSampleFirst[i]);
                    }
                }
            }
        }
    }

    private static void ratio(String what, double[] a, double[] b, int rounds) {
        System.out.printf(Locale.ROOT, "  %-26s %.2f by min, %.2f by median%n", what, a[0] / b[0], a[rounds / 2] / b[rounds / 2]);
    }

    private static FusedHeadBench bench(String shape, int batch, int threads) {
        FusedHeadBench b = new FusedHeadBench();
        b.backend = "cpu";
        b.shape = shape;
        b.batch = batch;
        b.path = "layers";
        b.threads = threads;
        b.setUp();
        return b;
    }
}
