package dev.graft.cli;

import dev.graft.spi.Backend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code graft demo}: the seed question on the bundled Fashion-MNIST subset, with no arguments and no
 * network: train the original network, save and reload it as a TF checkpoint, transfer, fine-tune
 * with the cache, and compare with training from scratch.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run the whole job on the bundled Fashion-MNIST subset: train 784-300-100-50-5 on classes 0-4, save "
                + "it as a TF checkpoint, reload it, transfer to classes 5-9 with hidden1-2 frozen and hidden3 trainable, "
                + "fine-tune with the bottleneck cache, and compare with training from scratch.")
final class DemoCommand extends BaseCommand {

    @Option(names = "--data", paramLabel = "DIR",
            description = "A directory with Fashion-MNIST IDX files (train-*, t10k-*); default: the bundled subset.")
    Path data;

    @Option(names = "--out", paramLabel = "DIR", description = "Where the models go (default: a new temporary directory).")
    Path out;

    @Option(names = "--per-class", paramLabel = "N", defaultValue = "30",
            description = "Labelled images per class for the new task (default: ${DEFAULT-VALUE}).")
    int perClass;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "30",
            description = "Fine-tuning epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--source-samples", paramLabel = "N", defaultValue = "2500",
            description = "Images of classes 0-4 the original network is trained on (default: ${DEFAULT-VALUE}).")
    int sourceSamples;

    @Option(names = "--source-epochs", paramLabel = "N", defaultValue = "4",
            description = "Epochs for the original network (default: ${DEFAULT-VALUE}).")
    int sourceEpochs;

    @Option(names = "--timing-samples", paramLabel = "N", defaultValue = "5000",
            description = "Images of classes 5-9 for the epoch-time comparison with and without the cache "
                    + "(default: ${DEFAULT-VALUE}, or as many as there are).")
    int timingSamples;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Write the fine-tuning learning curves as a PNG.")
    Path plot;

    @Option(names = "--curve", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "The learning curve (on by default; --no-curve skips it): accuracy on classes 5-9 against labelled "
            + "images per class, scratch vs transfer, MLP and CNN, 3 seeds (10 and 100 per class; --full for 5, 10, 30, 100, 300).")
    boolean curve;

    @Option(names = "--full", description = "With --curve: the whole sweep (5, 10, 30, 100, 300 labelled images per class).")
    boolean full;

    @Option(names = "--curve-counts", paramLabel = "N,N,...", split = ",",
            description = "With --curve: the labelled images per class to try (default: 10,100; --full: 5,10,30,100,300).")
    int[] curveCounts;

    @Option(names = "--curve-seeds", paramLabel = "N", defaultValue = "3",
            description = "With --curve: seeds per point (default: ${DEFAULT-VALUE}).")
    int curveSeeds;

    @Option(names = "--curve-plot", paramLabel = "FILE.png", description = "With --curve: write the learning curve as a PNG.")
    Path curvePlot;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
            description = "auto, bar, lines or none (default: ${DEFAULT-VALUE}).")
    TrainingOptions.Progress progress;

    @Mixin
    BackendOption backend;

    private LearningCurve.Result curveResult;

    @Override
    int run() throws Exception {
        for (int v : new int[] {perClass, epochs, sourceSamples, sourceEpochs, timingSamples}) {
            if (v < 1) {
                throw new CliException("--per-class, --epochs, --source-samples, --source-epochs and --timing-samples must be >= 1", null);
            }
        }
        Path dataDir = data != null ? data : DemoData.find();
        Path outDir = out != null ? out : Files.createTempDirectory("graft-demo-");
        long start = System.nanoTime();
        DemoScenario.Settings settings = new DemoScenario.Settings(sourceSamples, sourceEpochs, perClass, epochs, 16,
                0.01f, timingSamples, quiet() ? TrainingOptions.Progress.NONE : progress);
        DemoScenario.Result r;
        try (Backend b = backend.open()) {
            note("graft demo on " + dataDir + ", backend " + b.name() + " (" + b.description() + "), files in " + outDir);
            r = new DemoScenario(settings, err()).run(dataDir, outDir, b);
            if (curve) {
                int[] counts = curveCounts != null ? curveCounts : full ? new int[] {5, 10, 30, 100, 300} : new int[] {10, 100};
                if (curveSeeds < 1 || java.util.Arrays.stream(counts).anyMatch(c -> c < 1)) {
                    throw new CliException("--curve-seeds and --curve-counts must be >= 1", null);
                }
                curveResult = new LearningCurve(b).run(dev.graft.data.Idx.readSplit(dataDir, "train", 10),
                        dev.graft.data.Idx.readSplit(dataDir, "t10k", 10), counts, curveSeeds, sourceSamples, timingSamples, err());
            }
        }
        if (curveResult != null && curvePlot != null) {
            LearningCurve.plot(curveResult, curvePlot);
        }
        if (plot != null) {
            CurvePlot.write(r.cached(), "transfer to classes 5-9", plot);
        }
        double total = (System.nanoTime() - start) / 1e9;
        if (json()) {
            out().println(Json.write(json(r, total)));
        } else {
            DemoReport.print(out(), r, total, plot);
            if (curveResult != null) {
                LearningCurve.print(out(), curveResult);
            }
        }
        return 0;
    }

    private Map<String, Object> json(DemoScenario.Result r, double total) {
        Map<String, Object> m = Json.object();
        m.put("command", "demo");
        m.put("data", r.data().toString());
        m.put("backend", r.backend());
        m.put("backendDescription", r.backendDescription());
        m.put("originalAccuracyOnClasses0to4", Json.number(r.originalOnSource().accuracy()));
        m.put("checkpointReloadIdentical", r.reloadIdentical());
        m.put("labelledImages", r.labelled());
        m.put("transferredAccuracy", Json.number(r.transferredOnTarget().accuracy()));
        m.put("scratchAccuracy", Json.number(r.scratchOnTarget().accuracy()));
        m.put("testImages", r.transferredOnTarget().samples());
        m.put("epochSecondsCached", DemoScenario.medianEpochSeconds(r.cached()));
        m.put("epochSecondsUncached", DemoScenario.medianEpochSeconds(r.uncached()));
        m.put("epochSecondsScratch", DemoScenario.medianEpochSeconds(r.scratch()));
        m.put("featurizeSeconds", r.featureSeconds());
        Map<String, Object> timing = Json.object();
        timing.put("samples", r.timing().samples());
        timing.put("batch", r.timing().batch());
        timing.put("uncachedEpochSeconds", r.timing().uncachedEpochSeconds());
        timing.put("cachedEpochSeconds", r.timing().cachedEpochSeconds());
        timing.put("fillSeconds", r.timing().fillSeconds());
        m.put("timing", timing);
        m.put("cachedVsUncachedMaxWeightDifference", r.cachedVsUncachedMaxDiff());
        m.put("frozen", DemoScenario.frozen(r.transferred()));
        m.put("originalCheckpoint", r.originalCheckpoint().toString());
        m.put("transferredModel", r.transferredModel().toString());
        m.put("transferredCheckpoint", r.transferredCheckpoint().toString());
        m.put("plot", plot == null ? null : plot.toString());
        if (curveResult != null) {
            java.util.List<Map<String, Object>> points = new java.util.ArrayList<>();
            for (LearningCurve.Point p : curveResult.points()) {
                Map<String, Object> point = Json.object();
                point.put("family", p.family());
                point.put("mode", p.mode());
                point.put("perClass", p.perClass());
                point.put("meanAccuracy", Json.number(p.mean()));
                point.put("minAccuracy", Json.number(p.min()));
                point.put("maxAccuracy", Json.number(p.max()));
                points.add(point);
            }
            m.put("learningCurve", points);
            m.put("cnnEpochSecondsCached", curveResult.cnnCachedEpochSeconds());
            m.put("cnnEpochSecondsUncached", curveResult.cnnUncachedEpochSeconds());
        }
        m.put("seconds", total);
        return m;
    }

    static String ms(double seconds) {
        return String.format(Locale.ROOT, "%.2f ms", seconds * 1000);
    }
}
