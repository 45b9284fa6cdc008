package dev.graft.bench.race;

import dev.graft.Activation;
import dev.graft.Backends;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.cache.MemoryCache;
import dev.graft.data.Dataset;
import dev.graft.loader.Models;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.train.EpochStats;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The seed race's Graft peer (issue 19), written as the seed user would: load the TF checkpoint,
 * keep hidden1–3, freeze hidden1–2, new head, train with plain SGD through {@link Trainer}, with and
 * without a {@link MemoryCache}; then the original network with every layer trainable. The epoch
 * kinds and their order are {@link SeedRace}'s.
 *
 * <p>Usage: {@code SeedGraftRace <prepared dir> <threads> <epochs per kind>}
 */
public final class SeedGraftRace {

    private SeedGraftRace() {
    }

    /** Each epoch's time and mean loss, the featurize time, and every batch for the time to first result. */
    private static final class EpochLog implements TrainingListener {
        final List<Double> millis = new ArrayList<>();
        final List<Double> losses = new ArrayList<>();
        final RaceReport report;
        double featureSeconds;

        EpochLog(RaceReport report) {
            this.report = report;
        }

        @Override
        public void onFeatures(FeaturesEvent event) {
            featureSeconds += event.seconds();
        }

        @Override
        public void onBatch(int epoch, int b, int batches, int samples, double meanLoss) {
            report.batchDone(meanLoss);
        }

        @Override
        public void onEpochEnd(EpochStats stats) {
            millis.add(stats.seconds() * 1e3);
            losses.add(stats.trainLoss());
        }
    }

    public static void main(String[] argv) throws Exception {
        SeedRace.Args args = SeedRace.Args.parse(argv);
        long t = System.nanoTime();
        RaceData.Split data = SeedRaceData.read(args.data());
        Dataset train = Dataset.wrapClassification(data.x(), SeedRaceData.WIDTH, data.y(), SeedRaceData.CLASSES)
                .withSourceFingerprint(SeedRaceData.fingerprint(args.data()));
        String config = "cpu backend (OpenBLAS), graft.threads=" + args.threads() + ", MemoryCache fp32";
        RaceReport report = SeedRace.report(args, "graft", config, train.size(), t);

        t = System.nanoTime();
        Model original = Models.load(args.prepared().resolve("model.ckpt")).model();
        float[][] w = RaceData.readWeights(args.weights(), SeedRaceData.LAYERS);
        Dense head = new Dense("output", 50, 5, Activation.IDENTITY, w[6], w[7]);
        Model transferred = Transfer.from(original).keepThrough("hidden3").freezeThrough("hidden2").add(head).build();
        Model full = Transfer.from(original).keepThrough("hidden3").add(head).build();
        report.put("loadModelMs", RaceReport.millisSince(t));

        t = System.nanoTime();
        try (Backend backend = Backends.open("cpu", new BackendOptions(args.threads(), Map.of()))) {
            report.put("backendOpenMs", RaceReport.millisSince(t));
            MemoryCache cache = new MemoryCache();
            fit(backend, report, SeedRace.UNCACHED, transferred, train, SeedRace.BATCH, args.epochs(), null);
            EpochLog cached = fit(backend, report, SeedRace.CACHED, transferred, train, SeedRace.BATCH, args.epochs(), cache);
            report.put("featurizeMs", cached.featureSeconds * 1e3);
            fit(backend, report, SeedRace.CACHED_LARGE, transferred, train, SeedRace.LARGE_BATCH, args.epochs(), cache);
            fit(backend, report, SeedRace.FULL, full, train, SeedRace.BATCH, args.epochs(), null);
        }
        report.print();
    }

    private static EpochLog fit(Backend backend, RaceReport report, String kind, Model model, Dataset train, int batch,
                                int epochs, MemoryCache cache) {
        EpochLog log = new EpochLog(report);
        Trainer.Builder trainer = Trainer.builder(backend).optimizer(Optimizer.sgd(TfGraph.LEARNING_RATE)).epochs(epochs)
                .batchSize(batch).seed(SeedRace.SHUFFLE_SEED).listener(log);
        if (cache != null) {
            trainer.cache(cache);
        }
        trainer.build().fit(model, train);
        report.epochs(kind, log.millis, log.losses);
        return log;
    }
}
