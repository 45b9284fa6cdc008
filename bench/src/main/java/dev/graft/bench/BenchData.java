package dev.graft.bench;

import dev.graft.Activation;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.data.Dataset;
import dev.graft.data.Idx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The seed scenario's data and model for the epoch, cache and load benchmarks: 60,000 Fashion-MNIST
 * training images (from {@code -Dgraft.bench.data}, else {@code ../shared/data/fashion-mnist}),
 * or, where the full set is absent, the bundled 10,000-image subset ({@code data/fashion-mnist})
 * repeated six times, which {@link #describe()} says. Labels are folded to the seed's five classes.
 */
final class BenchData {

    static final int SAMPLES = 60_000;
    private static Dataset cached;
    private static String source;

    private BenchData() {
    }

    /** 60,000 samples of 784 features with labels in 0..4. */
    static synchronized Dataset train() {
        if (cached == null) {
            cached = load();
        }
        return cached;
    }

    /** The first {@code samples} of {@link #train()} (all of it when {@code samples} is as many or more). */
    static Dataset train(int samples) {
        Dataset all = train();
        return samples >= all.size() ? all : all.head(samples);
    }

    /** Where {@link #train()} came from. */
    static synchronized String describe() {
        train();
        return source;
    }

    private static Dataset load() {
        Path full = Path.of(System.getProperty("graft.bench.data", "../shared/data/fashion-mnist"));
        Path bundled = Path.of("data/fashion-mnist");
        try {
            Path dir = Files.isRegularFile(full.resolve("train-images-idx3-ubyte.gz")) ? full : bundled;
            Dataset d = Idx.readSplit(dir, "train", 10);
            float[] x = d.features();
            int[] y = d.labels();
            float[] xs = new float[SAMPLES * d.width()];
            int[] ys = new int[SAMPLES];
            for (int i = 0; i < SAMPLES; i++) {
                int s = i % d.size();
                System.arraycopy(x, s * d.width(), xs, i * d.width(), d.width());
                ys[i] = y[s] / 2;
            }
            source = d.size() >= SAMPLES ? "full Fashion-MNIST train set (" + dir + ")"
                    : "bundled " + d.size() + "-image subset (" + dir + ") repeated to " + SAMPLES;
            return Dataset.classification(xs, d.width(), ys, 5);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Fashion-MNIST from " + full + " or " + bundled, e);
        }
    }

    /** The seed network 784-300-100-50-5 with hidden1 and hidden2 frozen, as surgery leaves it. */
    static Model transferred() {
        Model m = Model.builder(784, 11)
                .dense("hidden1", 300, Activation.RELU)
                .dense("hidden2", 100, Activation.RELU)
                .dense("hidden3", 50, Activation.RELU)
                .dense("output", 5, Activation.IDENTITY)
                .build();
        List<Layer> layers = new java.util.ArrayList<>(m.layers());
        layers.set(0, layers.get(0).withTrainable(false));
        layers.set(1, layers.get(1).withTrainable(false));
        return new Model(layers);
    }
}
