package dev.graft.cli;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.Shape;
import dev.graft.Transfer;
import dev.graft.cache.MemoryCache;
import dev.graft.data.Dataset;
import dev.graft.loader.AtomicFiles;
import dev.graft.spi.Backend;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * The demo's learning curve: test accuracy on Fashion-MNIST classes 5-9 against labelled images per
 * class, from scratch vs transferred from a base trained on classes 0-4, for an MLP (hidden layers
 * frozen) and a small CNN (convolutional base frozen, cached after the last pooling), with mean and
 * spread over several seeds; plus the CNN's epoch time with and without the bottleneck cache.
 */
final class LearningCurve {

    private static final int[] SOURCE = {0, 1, 2, 3, 4};
    private static final int[] TARGET = {5, 6, 7, 8, 9};

    /** One curve point: a family (MLP, CNN), a mode (scratch, transfer), labelled images per class, accuracy per seed. */
    record Point(String family, String mode, int perClass, double[] accuracies) {
        double mean() {
            double s = 0;
            for (double a : accuracies) {
                s += a;
            }
            return s / accuracies.length;
        }

        double min() {
            return java.util.Arrays.stream(accuracies).min().orElse(Double.NaN);
        }

        double max() {
            return java.util.Arrays.stream(accuracies).max().orElse(Double.NaN);
        }
    }

    record Result(List<Point> points, int seeds, int testImages, double cnnCachedEpochSeconds,
                  double cnnUncachedEpochSeconds, int timingSamples) {
    }

    private final Backend backend;

    LearningCurve(Backend backend) {
        this.backend = backend;
    }

    static Model mlp(long seed, int outputs) {
        return Model.builder(784, seed).dense("hidden1", 128, Activation.RELU).dense("hidden2", 64, Activation.RELU)
                .dense("output", outputs, Activation.IDENTITY).build();
    }

    static Model cnn(long seed, int outputs) {
        return Model.builder(Shape.of(28, 28, 1), seed).conv2d("conv1", 8, 3, Activation.RELU).maxPool("pool1", 2)
                .conv2d("conv2", 16, 3, Activation.RELU).maxPool("pool2", 2).flatten("flatten")
                .dense("output", outputs, Activation.IDENTITY).build();
    }

    Result run(Dataset train, Dataset test, int[] perClass, int seeds, int sourceSamples, int timingSamples, PrintWriter log) {
        Dataset source = train.filterClasses(SOURCE).head(sourceSamples);
        Dataset pool = train.filterClasses(TARGET);
        Dataset target = test.filterClasses(TARGET);
        Model mlpBase = trainer(4, 32, 1).build().fit(mlp(1, 5), source).model();
        Model cnnBase = trainer(3, 32, 1).build().fit(cnn(1, 5), source).model();
        log.println("learning curve: bases trained on " + source.size() + " images of classes 0-4");
        List<Point> points = new ArrayList<>();
        for (int n : perClass) {
            double[][] acc = new double[4][seeds];
            for (int s = 0; s < seeds; s++) {
                Dataset labelled = pool.samplePerClass(n, 100 + s);
                int epochs = Math.max(10, Math.min(60, 3000 / labelled.size()));
                Trainer fresh = trainer(epochs, 16, 200 + s).build();
                Trainer cached = trainer(epochs, 16, 200 + s).cache(new MemoryCache()).build();
                acc[0][s] = accuracy(fresh.fit(mlp(300 + s, 5), labelled).model(), target);
                acc[1][s] = accuracy(cached.fit(transferred(mlpBase, "hidden2", s), labelled).model(), target);
                acc[2][s] = accuracy(fresh.fit(cnn(300 + s, 5), labelled).model(), target);
                acc[3][s] = accuracy(cached.fit(transferred(cnnBase, "pool2", s), labelled).model(), target);
            }
            points.add(new Point("MLP", "scratch", n, acc[0]));
            points.add(new Point("MLP", "transfer", n, acc[1]));
            points.add(new Point("CNN", "scratch", n, acc[2]));
            points.add(new Point("CNN", "transfer", n, acc[3]));
            log.printf(Locale.ROOT, "learning curve: %d per class done%n", n);
        }
        Dataset timing = pool.head(Math.min(timingSamples, pool.size()));
        Model cnnTransfer = transferred(cnnBase, "pool2", 0);
        double cachedEpoch = trainer(2, 64, 7).cache(new MemoryCache()).build().fit(cnnTransfer, timing).history().last().seconds();
        double uncachedEpoch = trainer(2, 64, 7).build().fit(cnnTransfer, timing).history().last().seconds();
        return new Result(points, seeds, target.size(), cachedEpoch, uncachedEpoch, timing.size());
    }

    /** The base's layers through {@code frozenThrough}, frozen, with a fresh 5-way output above. */
    private static Model transferred(Model base, String frozenThrough, long seed) {
        return Transfer.from(base).keepThrough(base.layer(base.size() - 2).name()).freezeThrough(frozenThrough)
                .add(Dense.spec("output", 5, Activation.IDENTITY)).seed(400 + seed).build();
    }

    private double accuracy(Model model, Dataset data) {
        return Trainer.builder(backend).build().evaluate(model, data).accuracy();
    }

    private Trainer.Builder trainer(int epochs, int batch, long seed) {
        return Trainer.builder(backend).optimizer(Optimizer.momentum(0.01f, 0.9f)).epochs(epochs).batchSize(batch).seed(seed);
    }

    /** The table: one row per labelled-images count, mean and range per series. */
    static void print(PrintWriter out, Result r) {
        out.printf(Locale.ROOT, "%nLearning curve: test accuracy on classes 5-9 (%d test images), mean [min-max] over %d seeds%n",
                r.testImages(), r.seeds());
        out.printf(Locale.ROOT, "%-10s %-20s %-20s %-20s %-20s%n", "per class", "MLP scratch", "MLP transfer", "CNN scratch", "CNN transfer");
        for (int i = 0; i < r.points().size(); i += 4) {
            out.printf(Locale.ROOT, "%-10d", r.points().get(i).perClass());
            for (int k = 0; k < 4; k++) {
                Point p = r.points().get(i + k);
                out.printf(Locale.ROOT, " %-20s", String.format(Locale.ROOT, "%.3f [%.3f-%.3f]", p.mean(), p.min(), p.max()));
            }
            out.println();
        }
        for (String family : List.of("MLP", "CNN")) {
            List<String> wins = new ArrayList<>();
            List<String> losses = new ArrayList<>();
            for (int i = 0; i < r.points().size(); i += 4) {
                int offset = family.equals("MLP") ? 0 : 2;
                Point scratch = r.points().get(i + offset);
                Point transfer = r.points().get(i + offset + 1);
                (transfer.mean() > scratch.mean() ? wins : losses).add(String.valueOf(scratch.perClass()));
            }
            if (losses.isEmpty()) {
                out.printf("%s: transfer beats scratch (mean accuracy) at every count tried%n", family);
            } else if (wins.isEmpty()) {
                out.printf("%s: scratch beats or ties transfer (mean accuracy) at every count tried%n", family);
            } else {
                out.printf("%s: transfer beats scratch (mean accuracy) at %s labelled images per class; scratch wins or ties at %s%n",
                        family, String.join(", ", wins), String.join(", ", losses));
            }
        }
        out.printf(Locale.ROOT, "CNN epoch over %d images: %.1f ms with the cache (conv base run once), %.1f ms without (%.1fx)%n",
                r.timingSamples(), r.cnnCachedEpochSeconds() * 1000, r.cnnUncachedEpochSeconds() * 1000,
                r.cnnUncachedEpochSeconds() / r.cnnCachedEpochSeconds());
    }

    /** The curve as a PNG: accuracy against labelled images per class (log axis), one series per family and mode. */
    static void plot(Result r, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(640).height(420).title("Fashion-MNIST classes 5-9: transfer vs scratch")
                .xAxisTitle("labelled images per class").yAxisTitle("test accuracy (mean over " + r.seeds() + " seeds)").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        for (int k = 0; k < 4; k++) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            List<Double> err = new ArrayList<>();
            String name = null;
            for (int i = k; i < r.points().size(); i += 4) {
                Point p = r.points().get(i);
                name = p.family() + " " + p.mode();
                x.add((double) p.perClass());
                y.add(p.mean());
                err.add((p.max() - p.min()) / 2);
            }
            chart.addSeries(name, x, y, err);
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        BitmapEncoder.saveBitmap(chart, png, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.write(file, png.toByteArray());
    }
}
