package dev.graft.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * The fused head against the layer-by-layer OpenBLAS path, timed in alternation in one JVM (blocks
 * of steps of A, then of B, many rounds), so both see the same machine load: per-step minimum and
 * median µs for each shape and batch.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.graft.bench.FusedHeadPaired [shape...]} (default
 * {@code 100-50-5}); {@code -Dbatches=64,256 -Dthreads=1 -Drounds=300}.
 */
public final class FusedHeadPaired {

    private FusedHeadPaired() {
    }

    public static void main(String[] args) {
        String[] shapes = args.length == 0 ? new String[] {"100-50-5"} : args;
        int[] batches = Arrays.stream(System.getProperty("batches", "64,256").split(",")).mapToInt(Integer::parseInt).toArray();
        int threads = Integer.getInteger("threads", 1);
        int rounds = Integer.getInteger("rounds", 300);
        int perBlock = 10;
        for (String shape : shapes) {
            for (int batch : batches) {
                FusedHeadBench fused = bench(shape, batch, "fused", threads);
                FusedHeadBench layers = bench(shape, batch, "layers", threads);
                double[] a = new double[rounds];
                double[] b = new double[rounds];
                for (int r = -rounds / 5; r < rounds; r++) {
                    double ta = time(fused, perBlock);
                    double tb = time(layers, perBlock);
                    if (r >= 0) {
                        a[r] = ta;
                        b[r] = tb;
                    }
                }
                fused.tearDown();
                layers.tearDown();
                Arrays.sort(a);
                Arrays.sort(b);
                double flops = FusedHeadBench.stepFlops(FusedHeadBench.widths(shape), batch);
                System.out.printf(Locale.ROOT, "%-12s b%-4d threads=%d load=%s%n", shape, batch, threads, PairedRatio.load());
                System.out.printf(Locale.ROOT, "  fused   min %8.1f us  median %8.1f us  (%.1f GFLOP/s at the median)%n",
                        a[0], a[rounds / 2], flops / (a[rounds / 2] * 1e3));
                System.out.printf(Locale.ROOT, "  layers  min %8.1f us  median %8.1f us  (%.1f GFLOP/s at the median)%n",
                        b[0], b[rounds / 2], flops / (b[rounds / 2] * 1e3));
                System.out.printf(Locale.ROOT, "  fused / layers: %.2f by min, %.2f by median%n", a[0] / b[0], a[rounds / 2] / b[rounds / 2]);
            }
        }
    }

    private static FusedHeadBench bench(String shape, int batch, String path, int threads) {
        FusedHeadBench b = new FusedHeadBench();
        b.backend = "cpu";
        b.shape = shape;
        b.batch = batch;
        b.path = path;
        b.threads = threads;
        b.setUp();
        return b;
    }

    /** Mean µs per step over a block of {@code n} steps. */
    private static double time(FusedHeadBench b, int n) {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            b.trainStep();
        }
        return (System.nanoTime() - t0) / 1e3 / n;
    }
}
