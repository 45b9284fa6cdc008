package dev.graft.train;

import dev.graft.Model;
import dev.graft.cache.BottleneckCache;
import dev.graft.cache.FeatureSource;
import dev.graft.cache.Featurizer;
import dev.graft.data.Dataset;
import dev.graft.spi.Backend;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import dev.graft.exec.StepStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Mini-batch training on a backend. The model's frozen layers are never updated and run in
 * inference mode; with a {@link BottleneckCache}, the leading frozen layers run once per input and
 * each epoch trains only the layers above them. The input model is not modified: {@link #fit}
 * returns a new one. Batches follow a seeded shuffle, so two runs with the same seed see the same
 * batches in the same order, with or without a cache.
 *
 * <pre>{@code
 * Trainer trainer = Trainer.builder(backend)
 *         .optimizer(Optimizer.sgd(0.01f)).epochs(20).batchSize(64).seed(7)
 *         .cache(new MemoryCache())
 *         .build();
 * TrainingResult result = trainer.fit(transferred, train, validation);
 * }</pre>
 */
public final class Trainer {

    private final Backend backend;
    private final Loss loss;
    private final Optimizer optimizer;
    private final int epochs;
    private final int batchSize;
    private final long seed;
    private final float l2;
    private final Map<String, Float> multipliers;
    private final EarlyStopping earlyStopping;
    private final BottleneckCache cache;
    private final List<TrainingListener> listeners;

    private Trainer(Builder b) {
        this.backend = b.backend;
        this.loss = b.loss;
        this.optimizer = b.optimizer;
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.seed = b.seed;
        this.l2 = b.l2;
        this.multipliers = Map.copyOf(b.multipliers);
        this.earlyStopping = b.earlyStopping;
        this.cache = b.cache;
        this.listeners = List.copyOf(b.listeners);
    }

    /** Starts a trainer that runs on {@code backend} (owned by the caller). */
    public static Builder builder(Backend backend) {
        return new Builder(backend);
    }

    /** Trains without a validation set (early stopping, if set, then has nothing to watch and is an error). */
    public TrainingResult fit(Model model, Dataset train) {
        return fit(model, train, null);
    }

    /**
     * Trains {@code model} on {@code train}, evaluating on {@code validation} (may be null) after each epoch.
     *
     * @throws IllegalArgumentException naming the layer and widths if the data does not fit the model
     * @throws IllegalStateException if the loss becomes NaN or infinite, or explodes (more than 10^4 times the first
     *         batch's; names epoch and batch)
     */
    public TrainingResult fit(Model model, Dataset train, Dataset validation) {
        checkData(model, train, "training");
        if (validation != null) {
            checkData(model, validation, "validation");
        }
        if (earlyStopping != null && validation == null) {
            throw new IllegalArgumentException("early stopping watches a validation metric: pass a validation set");
        }
        if (!model.hasTrainableParameters()) {
            throw new IllegalArgumentException("every layer of " + model + " is frozen: nothing to train");
        }
        for (String layer : multipliers.keySet()) {
            model.indexOf(layer);
        }
        TrainingListener events = new Broadcast(listeners);
        int split = cache == null ? 0 : model.frozenPrefixLength();
        Model prefix = split == 0 ? null : model.slice(0, split);
        Model top = split == 0 ? model : model.slice(split, model.size());
        // Cached features may live outside the heap (a memory-mapped file): read them through a
        // FeatureSource; labels and targets still come from the caller's datasets.
        FeatureSource trainX = prefix == null ? FeatureSource.of(train) : cache.source(prefix, train, backend, events);
        FeatureSource valX = validation == null ? null
                : prefix == null ? FeatureSource.of(validation) : cache.source(prefix, validation, backend, events);

        TrainingConfig config = new TrainingConfig(loss, optimizer, l2, multipliers, seed);
        int batch = Math.min(batchSize, train.size());
        List<EpochStats> history = new ArrayList<>();
        Model best = null;
        int bestEpoch = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        int sinceBest = 0;
        boolean stoppedEarly = false;
        try (Network net = Networks.open(backend, new NetworkPlan(top, config, batch))) {
            float[] x = new float[batch * trainX.width()];
            float[] y = new float[batch * train.targetWidth()];
            int batches = (train.size() + batch - 1) / batch;
            DivergenceCheck divergence = new DivergenceCheck(optimizer.learningRate());
            for (int epoch = 1; epoch <= epochs; epoch++) {
                long start = System.nanoTime();
                events.onEpochStart(epoch, batches);
                int[] order = train.shuffledOrder(seed * 31 + epoch);
                double lossSum = 0;
                long correct = 0;
                for (int b = 0; b < batches; b++) {
                    int from = b * batch;
                    int rows = Math.min(batch, train.size() - from);
                    trainX.gather(order, from, from + rows, x);
                    train.gatherTargets(order, from, from + rows, y);
                    StepStats stats = net.trainStep(x, y, rows);
                    divergence.check(stats.lossSum(), rows, epoch, b + 1, batches);
                    lossSum += stats.lossSum();
                    correct += stats.correct();
                    events.onBatch(epoch, b + 1, batches, rows, stats.lossSum() / rows);
                }
                double valLoss = Double.NaN;
                double valAcc = Double.NaN;
                if (valX != null) {
                    Evaluation e = evaluate(net, top, valX, validation);
                    valLoss = e.loss();
                    valAcc = e.accuracy();
                }
                double trainAcc = loss.usesClassLabels() ? (double) correct / train.size() : Double.NaN;
                EpochStats stats = new EpochStats(epoch, lossSum / train.size(), trainAcc, valLoss, valAcc,
                        (System.nanoTime() - start) / 1e9, train.size());
                history.add(stats);
                events.onEpochEnd(stats);
                if (earlyStopping != null) {
                    double score = earlyStopping.score(stats);
                    if (score > bestScore + earlyStopping.minDelta()) {
                        bestScore = score;
                        bestEpoch = epoch;
                        sinceBest = 0;
                        if (earlyStopping.restoreBest()) {
                            best = net.snapshot();
                        }
                    } else if (++sinceBest >= earlyStopping.patience()) {
                        stoppedEarly = epoch < epochs;
                        break;
                    }
                }
            }
            Model trainedTop = best != null ? best : net.snapshot();
            int returned = best != null ? bestEpoch : history.size();
            Model trained = prefix == null ? trainedTop : prefix.concat(trainedTop);
            return new TrainingResult(trained, new History(history, returned, stoppedEarly));
        }
    }

    /** Loss, accuracy and confusion matrix of {@code model} on {@code data}, in inference mode. */
    public Evaluation evaluate(Model model, Dataset data) {
        checkData(model, data, "evaluation");
        float[] outputs = Featurizer.outputs(model, data, backend, Math.max(batchSize, Featurizer.DEFAULT_BATCH));
        return Evaluation.of(model, loss, data, outputs);
    }

    private Evaluation evaluate(Network net, Model top, FeatureSource features, Dataset data) {
        int n = data.size();
        int batch = net.plan().maxBatch();
        float[] outputs = new float[n * top.outputWidth()];
        float[] x = new float[batch * features.width()];
        for (int from = 0; from < n; from += batch) {
            int rows = Math.min(batch, n - from);
            features.copyRows(from, rows, x, 0);
            net.predict(x, 0, rows, outputs, from * top.outputWidth());
        }
        return Evaluation.of(top, loss, data, outputs);
    }

    private void checkData(Model model, Dataset data, String what) {
        Objects.requireNonNull(data, what + " data");
        if (data.width() != model.inputWidth()) {
            throw new IllegalArgumentException("the " + what + " data has " + data.width() + " features but layer '"
                    + model.layer(0).name() + "' takes " + model.inputWidth());
        }
        String top = model.layer(model.size() - 1).name();
        if (loss.usesClassLabels()) {
            if (!data.isClassification()) {
                throw new IllegalArgumentException(loss + " needs class labels; the " + what + " data has float targets");
            }
            if (data.classes() > model.outputWidth()) {
                throw new IllegalArgumentException("the " + what + " data has " + data.classes() + " classes (labels 0.."
                        + (data.classes() - 1) + ") but the output layer '" + top + "' has " + model.outputWidth() + " units");
            }
        } else if (data.isClassification() || data.targetWidth() != model.outputWidth()) {
            throw new IllegalArgumentException(loss + " needs " + model.outputWidth() + " float targets per sample (layer '"
                    + top + "'); the " + what + " data has " + (data.isClassification() ? "class labels" : data.targetWidth() + " targets"));
        }
    }

    /** Configures a {@link Trainer}; defaults: softmax cross-entropy, SGD 0.01, 10 epochs, batch 64, seed 0. */
    public static final class Builder {
        private final Backend backend;
        private Loss loss = Loss.SOFTMAX_CROSS_ENTROPY;
        private Optimizer optimizer = Optimizer.sgd(0.01f);
        private int epochs = 10;
        private int batchSize = 64;
        private long seed;
        private float l2;
        private final Map<String, Float> multipliers = new HashMap<>();
        private EarlyStopping earlyStopping;
        private BottleneckCache cache;
        private final List<TrainingListener> listeners = new ArrayList<>();

        private Builder(Backend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
        }

        public Builder loss(Loss loss) { this.loss = Objects.requireNonNull(loss); return this; }

        public Builder optimizer(Optimizer optimizer) { this.optimizer = Objects.requireNonNull(optimizer); return this; }

        public Builder epochs(int epochs) {
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
            }
            this.epochs = epochs;
            return this;
        }

        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Seeds the batch order and dropout masks. */
        public Builder seed(long seed) { this.seed = seed; return this; }

        /** L2 penalty on trainable weights (not biases). */
        public Builder l2(float l2) { this.l2 = l2; return this; }

        /** Scales the learning rate of one layer (e.g. 0.1 for a copied layer being fine-tuned). */
        public Builder learningRateMultiplier(String layer, float multiplier) {
            multipliers.put(layer, multiplier);
            return this;
        }

        public Builder earlyStopping(EarlyStopping earlyStopping) { this.earlyStopping = earlyStopping; return this; }

        /** Caches the frozen prefix's outputs; null (the default) runs the whole model every epoch. */
        public Builder cache(BottleneckCache cache) { this.cache = cache; return this; }

        public Builder listener(TrainingListener listener) { listeners.add(Objects.requireNonNull(listener)); return this; }

        public Trainer build() { return new Trainer(this); }
    }

    /** Fans events out to every listener. */
    private record Broadcast(List<TrainingListener> listeners) implements TrainingListener {
        @Override public void onEpochStart(int epoch, int batches) { listeners.forEach(l -> l.onEpochStart(epoch, batches)); }
        @Override public void onBatch(int epoch, int batch, int batches, int samples, double meanLoss) {
            listeners.forEach(l -> l.onBatch(epoch, batch, batches, samples, meanLoss));
        }
        @Override public void onEpochEnd(EpochStats stats) { listeners.forEach(l -> l.onEpochEnd(stats)); }
        @Override public void onFeatures(FeaturesEvent event) { listeners.forEach(l -> l.onFeatures(event)); }
        @Override public void onCacheDiscarded(CacheDiscardedEvent event) { listeners.forEach(l -> l.onCacheDiscarded(event)); }
    }
}
