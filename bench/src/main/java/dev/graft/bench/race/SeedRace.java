package dev.graft.bench.race;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToDoubleFunction;

/**
 * The seed race's schedule (issue 19), shared by its peers ({@link SeedGraftRace}, {@link SeedTfRace},
 * {@link SeedBlasFloor}), each in its own JVM: from the same starting weights, every peer runs the
 * epoch kinds below in this order, {@code epochs} times each, and reports every epoch's time and mean
 * loss ({@link RaceReport#epochs}); featurizing (the frozen hidden1–2 over all samples, batch 256)
 * happens once, between the uncached and the cached epochs. The uncached kind runs first so that the
 * time to first result is launch + data + model + one step, as for a user's first try.
 */
final class SeedRace {

    /** hidden3 + new head, no cache, batch 64. */
    static final String UNCACHED = "uncached64";
    /** hidden3 + new head on the cached hidden2 outputs, batch 64. */
    static final String CACHED = "cached64";
    /** The same at batch 256. */
    static final String CACHED_LARGE = "cached256";
    /** The original network trained in full (every layer trainable, no cache), batch 64. */
    static final String FULL = "full64";
    /** Layers below this index are frozen in the transfer job. */
    static final int CUT = 2;
    static final int BATCH = 64;
    static final int LARGE_BATCH = 256;
    /** Graft's trainer seed: epoch {@code e}'s batches are {@code RaceData.shuffle(n, SHUFFLE_SEED * 31 + e)}. */
    static final long SHUFFLE_SEED = 7;

    /** {@code <prepared dir> <threads> <epochs per kind>}; {@code mainMillis}: when {@code main} began (wall clock). */
    record Args(Path prepared, int threads, int epochs, long mainMillis) {
        static Args parse(String[] args) {
            long now = System.currentTimeMillis();
            if (args.length != 3) {
                throw new IllegalArgumentException("usage: <prepared dir> <threads> <epochs per kind>");
            }
            return new Args(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]), now);
        }

        Path data() {
            return prepared.resolve("data.bin");
        }

        Path weights() {
            return prepared.resolve("weights.bin");
        }
    }

    private SeedRace() {
    }

    /**
     * The peer's report, started after it read the data (from {@code loadStart}, a
     * {@link System#nanoTime()}): with {@code loadDataMs} and {@code launchToMainMs} (JVM start-up, from
     * {@code -Drace.launchMillis}), the first parts of the time to first result.
     */
    static RaceReport report(Args args, String peer, String config, int samples, long loadStart) {
        RaceReport report = new RaceReport(peer, config, BATCH, args.threads(), samples);
        report.put("launchToMainMs", args.mainMillis() - Long.getLong("race.launchMillis", args.mainMillis()));
        report.put("loadDataMs", RaceReport.millisSince(loadStart));
        return report;
    }

    static long shuffleSeed(int epoch) {
        return SHUFFLE_SEED * 31 + epoch;
    }

    /**
     * Runs {@code epochs} epochs of {@code kind} (epoch {@code e} counts from 1 and returns its mean
     * loss, NaN where the peer computes none), timing each, and records them in {@code report}.
     */
    static void timeEpochs(RaceReport report, String kind, int epochs, IntToDoubleFunction epoch) {
        List<Double> millis = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        for (int e = 1; e <= epochs; e++) {
            long start = System.nanoTime();
            double loss = epoch.applyAsDouble(e);
            millis.add(RaceReport.millisSince(start));
            losses.add(loss);
        }
        report.epochs(kind, millis, losses);
    }
}
