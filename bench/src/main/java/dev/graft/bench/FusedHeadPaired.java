package dev.graft.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * The fused head against the layer-by-layer OpenBLAS path and against the same GEMMs alone
 * ({@link FusedHeadBench}'s three paths), timed in alternation in one JVM (blocks of steps of each,
 * the order rotated every round, many rounds), so all see the same machine load: per-step minimum and
 * median µs for each shape and batch, and the ratios the issue-19 target is stated in (fused /
 * OpenBLAS GEMMs ≤ 0.8; per-sample cost at batch 256 ≤ batch 64's).
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar
 * dev.graft.bench.FusedHeadPaired [shape...]} (default {@code 100-50-5}); {@code -Dbatches=64,256
 * -Dthreads=1 -Drounds=300 -Dbackend=cpu -DwarmupMillis=4000}.
 */
public final class FusedHeadPaired {

    private static final String[] PATHS = {"fused", "layers", "gemms"};

    private FusedHeadPaired() {
    }

    public static void main(String[] args) {
        String[] shapes = args.length == 0 ? new String[] {"100-50-5"} : args;
        int[] batches = Arrays.stream(System.getProperty("batches", "64,256").split(",")).mapToInt(Integer::parseInt).toArray();
        int threads = Integer.getInteger("threads", 1);
        int rounds = Integer.getInteger("rounds", 300);
        String backend = System.getProperty("backend", "cpu");
        boolean first = true;
        for (String shape : shapes) {
            double fusedPerSample64 = Double.NaN;
            for (int batch : batches) {
                FusedHeadBench[] benches = new FusedHeadBench[PATHS.length];
                for (int i = 0; i < PATHS.length; i++) {
                    benches[i] = bench(backend, shape, batch, PATHS[i], threads);
                }
                int perBlock = Math.max(2, 640 / batch);
                // warm-up by time: the Vector API kernels run 20-400x slower until C2 has compiled them all
                // (on a loaded machine the compiler threads are starved: the first configuration gets three times as long)
                RotatedSteps timed = RotatedSteps.time(benches, perBlock, rounds, Long.getLong("warmupMillis", 4000) * (first ? 3 : 1));
                first = false;
                double[][] us = timed.us();
                String loadBefore = timed.loadBefore();
                double flops = FusedHeadBench.stepFlops(FusedHeadBench.widths(shape), batch);
                System.out.printf(Locale.ROOT, "%-12s b%-4d %s threads=%d load before %s, after %s%n", shape, batch, backend,
                        threads, loadBefore, PairedRatio.load());
                for (int i = 0; i < PATHS.length; i++) {
                    System.out.printf(Locale.ROOT, "  %-7s min %8.1f us  median %8.1f us  (%.1f GFLOP/s at the min)%n",
                            PATHS[i], us[i][0], us[i][rounds / 2], flops / (us[i][0] * 1e3));
                }
                System.out.printf(Locale.ROOT, "  fused / OpenBLAS GEMMs alone: %.2f by min, %.2f by median (target <= 0.80)%n",
                        us[0][0] / us[2][0], us[0][rounds / 2] / us[2][rounds / 2]);
                System.out.printf(Locale.ROOT, "  fused / layer by layer:       %.2f by min, %.2f by median%n",
                        us[0][0] / us[1][0], us[0][rounds / 2] / us[1][rounds / 2]);
                double perSample = us[0][0] / batch;
                if (batch == 64) {
                    fusedPerSample64 = perSample;
                } else if (!Double.isNaN(fusedPerSample64)) {
                    System.out.printf(Locale.ROOT, "  fused per sample, b%d / b64 (by min): %.2f (target <= 1.00)%n",
                            batch, perSample / fusedPerSample64);
                }
            }
        }
    }

    private static FusedHeadBench bench(String backend, String shape, int batch, String path, int threads) {
        FusedHeadBench b = new FusedHeadBench();
        b.backend = backend;
        b.shape = shape;
        b.batch = batch;
        b.path = path;
        b.threads = threads;
        b.setUp();
        return b;
    }
}
