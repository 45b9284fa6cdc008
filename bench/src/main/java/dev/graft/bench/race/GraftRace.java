package dev.graft.bench.race;

import dev.graft.Activation;
import dev.graft.Backends;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.cache.MemoryCache;
import dev.graft.data.Dataset;
import dev.graft.data.Idx;
import dev.graft.loader.Models;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.train.EpochStats;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingListener;
import dev.graft.train.TrainingResult;
import java.util.Map;

/**
 * The user's job in Graft, as the README tells them to write it: load the TF checkpoint, keep
 * hidden1–3, freeze hidden1–2, new head, train with a {@link MemoryCache} (the frozen part runs
 * once), evaluate; then the same training without the cache for the uncached epoch time.
 *
 * <p>Usage: {@code GraftRace <fashion-mnist dir> <prepared dir> <batch> <threads> <cached epochs> <uncached epochs>}
 */
public final class GraftRace {

    private GraftRace() {
    }

    public static void main(String[] args) throws Exception {
        RaceArgs job = RaceArgs.parse(args);

        long t = System.nanoTime();
        // Graft's own reader, as a Graft user would: the same values and order as RaceData (v / 255,
        // labels folded by c / 2), kept as bytes and keyed for the cache by the files' hash.
        int[] fold = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4};
        Dataset train = Idx.readSplit(job.dataDir(), "train", 10).relabel(fold);
        Dataset test = Idx.readSplit(job.dataDir(), "t10k", 10).relabel(fold);
        RaceReport report = new RaceReport("graft", "cpu backend (OpenBLAS), graft.threads=" + job.threads() + ", MemoryCache fp32",
                job.batch(), job.threads(), train.size());
        report.put("loadDataMs", RaceReport.millisSince(t));

        t = System.nanoTime();
        Model original = Models.load(job.prepared().resolve("model.ckpt")).model();
        float[][] w = RaceData.readWeights(job.prepared().resolve("weights.bin"));
        Dense head = new Dense("output", 50, 5, Activation.IDENTITY, w[6], w[7]);
        Model transferred = Transfer.from(original).keepThrough("hidden3").freezeThrough("hidden2").add(head).build();
        report.put("loadModelMs", RaceReport.millisSince(t));

        try (Backend backend = Backends.open("cpu", new BackendOptions(job.threads(), Map.of()))) {
            double[] featureSeconds = {0};
            long[] fitStart = {0};
            double[] toFirstBatch = {0};
            TrainingListener listener = new TrainingListener() {
                @Override
                public void onFeatures(FeaturesEvent event) {
                    featureSeconds[0] += event.seconds();
                }

                @Override
                public void onBatch(int epoch, int b, int batches, int samples, double meanLoss) {
                    if (toFirstBatch[0] == 0) {
                        toFirstBatch[0] = RaceReport.millisSince(fitStart[0]);
                    }
                    report.batchDone(meanLoss);
                }

                @Override
                public void onEpochEnd(EpochStats stats) {
                    report.cachedEpoch(stats.seconds() * 1e3);
                }
            };
            Trainer cached = Trainer.builder(backend).optimizer(Optimizer.sgd(0.01f)).epochs(job.cachedEpochs())
                    .batchSize(job.batch()).seed(7).cache(new MemoryCache()).listener(listener).build();
            fitStart[0] = System.nanoTime();
            TrainingResult result = cached.fit(transferred, train);
            report.put("featurizeMs", featureSeconds[0] * 1e3);
            report.put("featurizeSamplesPerSec", train.size() / featureSeconds[0]);
            report.put("cacheFillMs", toFirstBatch[0]);
            report.put("testAccuracy", cached.evaluate(result.model(), test).accuracy());

            double[] last = {0};
            Trainer uncached = Trainer.builder(backend).optimizer(Optimizer.sgd(0.01f)).epochs(job.uncachedEpochs())
                    .batchSize(job.batch()).seed(7).listener(new TrainingListener() {
                        @Override
                        public void onEpochEnd(EpochStats stats) {
                            last[0] = stats.seconds() * 1e3;
                        }
                    }).build();
            uncached.fit(transferred, train);
            report.put("uncachedEpochMs", last[0]);
        }
        report.print();
    }
}
