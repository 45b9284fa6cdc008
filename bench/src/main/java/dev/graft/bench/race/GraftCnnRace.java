package dev.graft.bench.race;

import dev.graft.Backends;
import dev.graft.Model;
import dev.graft.cache.MemoryCache;
import dev.graft.data.Dataset;
import dev.graft.data.Idx;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.train.EpochStats;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingListener;
import dev.graft.train.TrainingResult;
import java.util.Map;

/**
 * The CNN race's job in Graft, as a user writes it: the CNN with its convolutional base frozen
 * (BatchNorm in inference mode), trained with a {@link MemoryCache} (the base runs once over the
 * 60,000 images: the featurize time), evaluated; then the same training without the cache (the base
 * runs on every batch: the uncached epoch).
 *
 * <p>Usage: {@code GraftCnnRace <fashion-mnist dir> <prepared dir> <batch> <threads> <cached epochs> <uncached epochs>}
 */
public final class GraftCnnRace {

    private GraftCnnRace() {
    }

    public static void main(String[] args) throws Exception {
        RaceArgs job = RaceArgs.parse(args);

        long t = System.nanoTime();
        int[] fold = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4};
        Dataset all = Idx.readSplit(job.dataDir(), "train", 10).relabel(fold);
        Dataset train = all.head(CnnRaceData.samples(all.size()));
        Dataset test = Idx.readSplit(job.dataDir(), "t10k", 10).relabel(fold);
        RaceReport report = new RaceReport("graft", "cpu backend (OpenBLAS), graft.threads=" + job.threads() + ", MemoryCache fp32",
                job.batch(), job.threads(), train.size());
        report.put("loadDataMs", RaceReport.millisSince(t));

        t = System.nanoTime();
        Model model = CnnRacePrepare.transferred(CnnRaceData.read(job.prepared().resolve("cnn-weights.bin")));
        report.put("loadModelMs", RaceReport.millisSince(t));

        try (Backend backend = Backends.open("cpu", new BackendOptions(job.threads(), Map.of()))) {
            double[] featureSeconds = {0};
            long[] cpu = {RaceReport.processCpuNanos(), 0};
            TrainingListener listener = new TrainingListener() {
                @Override
                public void onFeatures(FeaturesEvent event) {
                    if (featureSeconds[0] == 0) { // the training set's; evaluation featurizes the test set later
                        report.put("featurizeCpuMs", RaceReport.cpuMillisSince(cpu[0]));
                    }
                    featureSeconds[0] += event.seconds();
                }

                @Override
                public void onEpochStart(int epoch, int batches) {
                    cpu[1] = RaceReport.processCpuNanos();
                }

                @Override
                public void onBatch(int epoch, int b, int batches, int samples, double meanLoss) {
                    report.batchDone(meanLoss);
                }

                @Override
                public void onEpochEnd(EpochStats stats) {
                    report.cachedEpoch(stats.seconds() * 1e3);
                    report.cachedEpochCpu(RaceReport.cpuMillisSince(cpu[1]));
                }
            };
            Trainer cached = Trainer.builder(backend).optimizer(Optimizer.sgd(0.01f)).epochs(job.cachedEpochs())
                    .batchSize(job.batch()).seed(7).cache(new MemoryCache()).listener(listener).build();
            TrainingResult result = cached.fit(model, train);
            report.put("featurizeMs", featureSeconds[0] * 1e3);
            report.put("featurizeSamplesPerSec", train.size() / featureSeconds[0]);
            report.put("testAccuracy", cached.evaluate(result.model(), test).accuracy());

            double[] last = {0, 0};
            Trainer uncached = Trainer.builder(backend).optimizer(Optimizer.sgd(0.01f)).epochs(job.uncachedEpochs())
                    .batchSize(job.batch()).seed(7).listener(new TrainingListener() {
                        @Override
                        public void onEpochStart(int epoch, int batches) {
                            cpu[1] = RaceReport.processCpuNanos();
                        }

                        @Override
                        public void onEpochEnd(EpochStats stats) {
                            last[0] = stats.seconds() * 1e3;
                            last[1] = RaceReport.cpuMillisSince(cpu[1]);
                        }
                    }).build();
            uncached.fit(model, train);
            report.put("uncachedEpochMs", last[0]);
            report.put("uncachedEpochCpuMs", last[1]);
        }
        report.print();
    }
}
