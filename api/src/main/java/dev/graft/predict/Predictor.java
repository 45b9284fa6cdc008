package dev.graft.predict;

import dev.graft.Backends;
import dev.graft.Model;
import dev.graft.cache.FeatureSource;
import dev.graft.data.Dataset;
import dev.graft.spi.Backend;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import java.util.Objects;

/**
 * Runs a trained model in inference mode (dropout off), on any backend, in batches: the model is
 * placed on the backend once, and each call streams its samples through in chunks of at most
 * {@link #maxBatch()} rows. Owns its placed network (and, when made by {@link #open(Model)}, its
 * backend): close it.
 *
 * <pre>{@code
 * try (Predictor predictor = Predictor.create(model, backend)) {
 *     Predictions p = predictor.predict(images);        // float[][], or a Dataset with or without labels
 *     int[] classes = p.classes();
 *     float[][] probabilities = p.probabilities();      // softmax of the logits
 *     ClassScore[] best3 = p.top(0, 3);
 * }
 * }</pre>
 *
 * <p>A predictor is used by one thread at a time (its backend is); open one per thread.
 */
public final class Predictor implements AutoCloseable {

    /** Rows per forward pass unless given: large enough for efficient matrix products. */
    public static final int DEFAULT_BATCH = 256;

    private final Model model;
    private final Backend backend;
    private final boolean ownsBackend;
    private final Network network;
    private final int maxBatch;
    private boolean closed;

    private Predictor(Model model, Backend backend, boolean ownsBackend, int maxBatch) {
        this.model = Objects.requireNonNull(model, "model");
        this.backend = Objects.requireNonNull(backend, "backend");
        if (maxBatch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + maxBatch);
        }
        this.ownsBackend = ownsBackend;
        this.maxBatch = maxBatch;
        this.network = Networks.open(backend, NetworkPlan.inference(model, maxBatch));
    }

    /** A predictor for {@code model} on {@code backend} (owned by the caller, which must outlive the predictor). */
    public static Predictor create(Model model, Backend backend) {
        return create(model, backend, DEFAULT_BATCH);
    }

    /** As {@link #create(Model, Backend)}, with at most {@code maxBatch} rows per forward pass. */
    public static Predictor create(Model model, Backend backend, int maxBatch) {
        return new Predictor(model, backend, false, maxBatch);
    }

    /** A predictor on the best backend present ({@link Backends#open()}), which it owns and closes. */
    public static Predictor open(Model model) {
        Backend backend = Backends.open();
        try {
            return new Predictor(model, backend, true, DEFAULT_BATCH);
        } catch (RuntimeException | Error e) {
            backend.close();
            throw e;
        }
    }

    public Model model() { return model; }

    public Backend backend() { return backend; }

    public int maxBatch() { return maxBatch; }

    /** Outputs for one sample. */
    public Predictions predict(float[] sample) {
        return predict(new float[][] {sample});
    }

    /** Outputs for each row of {@code samples} (every row {@code model().inputWidth()} wide). */
    public Predictions predict(float[][] samples) {
        int width = model.inputWidth();
        for (int r = 0; r < samples.length; r++) {
            if (samples[r].length != width) {
                throw new IllegalArgumentException("sample " + r + " has " + samples[r].length + " values but layer '"
                        + model.layer(0).name() + "' takes " + width);
            }
        }
        return predict(new FeatureSource() {
            @Override public int size() { return samples.length; }
            @Override public int width() { return width; }
            @Override public void copyRows(int from, int rows, float[] dst, int offset) {
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(samples[from + r], 0, dst, offset + r * width, width);
                }
            }
        });
    }

    /** Outputs for every sample of {@code data}; its labels or targets, if any, are ignored. */
    public Predictions predict(Dataset data) {
        return predict(FeatureSource.of(data));
    }

    /** Outputs for every row of {@code source}, read chunk by chunk (never all at once besides the result). */
    public Predictions predict(FeatureSource source) {
        if (closed) {
            throw new IllegalStateException("this predictor is closed");
        }
        if (source.width() != model.inputWidth()) {
            throw new IllegalArgumentException("the data has " + source.width() + " features but layer '"
                    + model.layer(0).name() + "' takes " + model.inputWidth());
        }
        int n = source.size();
        int out = model.outputWidth();
        float[] result = new float[Math.multiplyExact(n, out)];
        float[] x = new float[Math.min(maxBatch, Math.max(1, n)) * source.width()];
        for (int from = 0; from < n; from += maxBatch) {
            int rows = Math.min(maxBatch, n - from);
            source.copyRows(from, rows, x, 0);
            network.predict(x, 0, rows, result, from * out);
        }
        return new Predictions(result, n, out, Predictions.kindOf(model));
    }

    /** Frees the placed network (and the backend, if this predictor opened it). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            network.close();
        } finally {
            if (ownsBackend) {
                backend.close();
            }
        }
    }
}
