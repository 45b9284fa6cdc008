package dev.graft.bench;

import java.util.Arrays;

/**
 * Times several {@link FusedHeadBench} configurations in one JVM so that all see the same machine:
 * a time-based warm-up over all of them, then {@code rounds} rounds of one block of steps each, the
 * order rotated every round. Shared by {@link FusedHeadPaired} and {@link GemmPlanPaired}.
 *
 * @param us per configuration, the µs per step of each round's block, sorted (so {@code [0]} is the
 *     minimum and {@code [rounds / 2]} the median)
 * @param loadBefore the load average when the timed rounds started ({@link PairedRatio#load()})
 */
record RotatedSteps(double[][] us, String loadBefore) {

    static RotatedSteps time(FusedHeadBench[] benches, int perBlock, int rounds, long warmupMillis) {
        long warmUntil = System.nanoTime() + warmupMillis * 1_000_000L;
        while (System.nanoTime() < warmUntil) {
            for (FusedHeadBench b : benches) {
                block(b, perBlock);
            }
        }
        String loadBefore = PairedRatio.load();
        double[][] us = new double[benches.length][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int j = 0; j < benches.length; j++) {
                int which = Math.floorMod(r + j, benches.length);
                us[which][r] = block(benches[which], perBlock);
            }
        }
        for (FusedHeadBench b : benches) {
            b.tearDown();
        }
        for (double[] u : us) {
            Arrays.sort(u);
        }
        return new RotatedSteps(us, loadBefore);
    }

    /** Mean µs per step over a block of {@code n} steps. */
    private static double block(FusedHeadBench b, int n) {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            b.trainStep();
        }
        return (System.nanoTime() - t0) / 1e3 / n;
    }
}
