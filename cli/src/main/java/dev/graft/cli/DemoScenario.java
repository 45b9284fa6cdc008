package dev.graft.cli;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.cache.MemoryCache;
import dev.graft.data.Dataset;
import dev.graft.data.Idx;
import dev.graft.spi.Backend;
import dev.graft.train.EpochStats;
import dev.graft.train.Evaluation;
import dev.graft.train.History;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingListener;
import dev.graft.train.TrainingResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The seed question, end to end, on Fashion-MNIST: train 784-300-100-50-5 on classes 0–4, save it
 * as a TensorFlow checkpoint, read it back, copy hidden1–3 with hidden1–2 frozen, put a fresh output
 * layer on top and fine-tune on a few labelled images of classes 5–9 with the bottleneck cached; then
 * the same fine-tuning without the cache, and the same network trained from scratch, for comparison.
 */
final class DemoScenario {

    /** Sizes and schedule; the defaults mirror the API's seed-scenario test. */
    record Settings(int sourceSamples, int sourceEpochs, int perClass, int epochs, int batch, float learningRate,
                    int timingSamples, TrainingOptions.Progress progress) {
    }

    /** What happened, for the report. */
    record Result(Path data, int trainImages, int testImages, String backend, String backendDescription,
                  Model original, Evaluation originalOnSource, Path originalCheckpoint, boolean reloadIdentical,
                  Model transferred, Model fineTuned, int labelled, Evaluation transferredOnTarget,
                  Evaluation scratchOnTarget, long scratchTrainable, History cached, History uncached,
                  History scratch, double featureSeconds, double cachedVsUncachedMaxDiff,
                  Timing timing, Path transferredModel, Path transferredCheckpoint) {
    }

    /** One warm epoch of the transferred model over a larger set, with and without the cache. */
    record Timing(int samples, int batch, double uncachedEpochSeconds, double cachedEpochSeconds, double fillSeconds) {
    }

    private static final int[] SOURCE_CLASSES = {0, 1, 2, 3, 4};
    private static final int[] TARGET_CLASSES = {5, 6, 7, 8, 9};

    private final Settings settings;
    private final PrintWriter err;

    DemoScenario(Settings settings, PrintWriter err) {
        this.settings = settings;
        this.err = err;
    }

    Result run(Path dataDir, Path outDir, Backend backend) throws IOException {
        Dataset train = Idx.readSplit(dataDir, "train", 10);
        Dataset test = Idx.readSplit(dataDir, "t10k", 10);

        // 1. The user's original network, trained on classes 0-4.
        Dataset source = train.filterClasses(SOURCE_CLASSES).head(settings.sourceSamples());
        Trainer evaluator = Trainer.builder(backend).build();
        Model original = fit(trainer(backend, settings.sourceEpochs(), 64, 2), "original 0-4", seedNetwork(1), source,
                settings.sourceEpochs()).model();
        Evaluation originalOnSource = evaluator.evaluate(original, test.filterClasses(SOURCE_CLASSES));

        // 2. Saved the way tf.train.Saver would, and read back as the user would load theirs.
        Path checkpoint = ModelFiles.exportTf(original, outDir.resolve("original"));
        Model reloaded = ModelFiles.load(checkpoint).model();
        boolean identical = identical(original, reloaded);

        // 3. Surgery: keep hidden1-3, freeze hidden1-2, fresh 5-way output.
        Model transferred = Transfer.from(reloaded)
                .keepThrough("hidden3")
                .freezeThrough("hidden2")
                .add(Dense.spec("output", 5, Activation.IDENTITY))
                .seed(3)
                .build();
        Dataset small = train.filterClasses(TARGET_CLASSES).samplePerClass(settings.perClass(), 4);
        Dataset target = test.filterClasses(TARGET_CLASSES);

        // 4. Fine-tune with the bottleneck cache, then the same run without it, then from scratch.
        double[] featureSeconds = {0};
        Trainer.Builder cachedRun = trainer(backend, settings.epochs(), settings.batch(), 5)
                .cache(new MemoryCache())
                .listener(new TrainingListener() {
                    @Override
                    public void onFeatures(FeaturesEvent event) {
                        featureSeconds[0] += event.seconds();
                    }
                });
        TrainingResult cached = fit(cachedRun, "transfer, cached", transferred, small, settings.epochs());
        TrainingResult uncached = fit(trainer(backend, settings.epochs(), settings.batch(), 5), "transfer, no cache",
                transferred, small, settings.epochs());
        Model scratchModel = seedNetwork(6);
        TrainingResult scratch = fit(trainer(backend, settings.epochs(), settings.batch(), 5), "from scratch",
                scratchModel, small, settings.epochs());

        Timing timing = timing(backend, transferred, train.filterClasses(TARGET_CLASSES).head(settings.timingSamples()));

        Model fineTuned = cached.model();
        Path saved = ModelFiles.save(fineTuned, outDir.resolve("transferred"));
        Path savedTf = ModelFiles.exportTf(fineTuned, outDir.resolve("transferred-tf"));
        return new Result(dataDir, train.size(), test.size(), backend.name(), backend.description(),
                original, originalOnSource, checkpoint, identical, transferred, fineTuned, small.size(),
                evaluator.evaluate(fineTuned, target), evaluator.evaluate(scratch.model(), target),
                scratchModel.trainableParameterCount(), cached.history(), uncached.history(), scratch.history(),
                featureSeconds[0], maxDifference(fineTuned, uncached.model()), timing, saved, savedTf);
    }

    /** Two epochs each way at batch 64; the second (warm) epoch is reported. */
    private Timing timing(Backend backend, Model transferred, Dataset data) {
        int batch = 64;
        double[] fill = {0};
        Trainer.Builder cachedRun = trainer(backend, 2, batch, 7).cache(new MemoryCache())
                .listener(new TrainingListener() {
                    @Override
                    public void onFeatures(FeaturesEvent event) {
                        fill[0] += event.seconds();
                    }
                });
        History cached = fit(cachedRun, "timing, cached", transferred, data, 2).history();
        History uncached = fit(trainer(backend, 2, batch, 7), "timing, no cache", transferred, data, 2).history();
        return new Timing(data.size(), batch, uncached.last().seconds(), cached.last().seconds(), fill[0]);
    }

    private Trainer.Builder trainer(Backend backend, int epochs, int batch, long seed) {
        return Trainer.builder(backend).optimizer(Optimizer.momentum(settings.learningRate(), 0.9f))
                .epochs(epochs).batchSize(batch).seed(seed);
    }

    private TrainingResult fit(Trainer.Builder trainer, String task, Model model, Dataset data, int epochs) {
        try (ProgressListener progress = new ProgressListener(err, task, settings.progress(), epochs, data.size())) {
            return trainer.listener(progress).build().fit(model, data);
        }
    }

    static Model seedNetwork(long seed) {
        return Model.builder(784, seed)
                .dense("hidden1", 300, Activation.RELU)
                .dense("hidden2", 100, Activation.RELU)
                .dense("hidden3", 50, Activation.RELU)
                .dense("output", 5, Activation.IDENTITY)
                .build();
    }

    private static boolean identical(Model a, Model b) {
        if (!a.names().equals(b.names())) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!(a.layer(i) instanceof Dense da && b.layer(i) instanceof Dense db && da.sameParameters(db)
                    && da.activation().equals(db.activation()))) {
                return false;
            }
        }
        return true;
    }

    /** Largest absolute difference between two same-shaped models' parameters. */
    static double maxDifference(Model a, Model b) {
        double max = 0;
        for (int i = 0; i < a.size(); i++) {
            if (a.layer(i) instanceof Dense da && b.layer(i) instanceof Dense db) {
                max = Math.max(max, maxDiff(da.weights(), db.weights()));
                max = Math.max(max, maxDiff(da.bias(), db.bias()));
            }
        }
        return max;
    }

    private static double maxDiff(float[] x, float[] y) {
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            max = Math.max(max, Math.abs(x[i] - y[i]));
        }
        return max;
    }

    /** Median epoch time, skipping the first epoch (warm-up) when there are more than two. */
    static double medianEpochSeconds(History h) {
        List<EpochStats> epochs = h.epochs();
        List<EpochStats> timed = epochs.size() > 2 ? epochs.subList(1, epochs.size()) : epochs;
        double[] s = timed.stream().mapToDouble(EpochStats::seconds).toArray();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static List<String> frozen(Model m) {
        List<String> names = new ArrayList<>();
        m.layers().forEach(l -> {
            if (!l.trainable()) {
                names.add(l.name());
            }
        });
        return names;
    }
}
