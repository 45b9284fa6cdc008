package dev.graft.train;

import dev.graft.Model;
import dev.graft.cache.BottleneckCache;
import dev.graft.cache.FeatureSource;
import dev.graft.cache.Featurizer;
import dev.graft.data.Augmentation;
import dev.graft.data.Dataset;
import dev.graft.spi.Backend;
import dev.graft.exec.Network;
import dev.graft.exec.StepStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Mini-batch training on a backend. The model's frozen layers are never updated and run in
 * inference mode; with a {@link BottleneckCache}, the leading frozen layers run once per input and
 * each epoch trains only the layers above them. The input model is not modified: {@link #fit}
 * returns a new one. Batches follow a seeded shuffle by default, so two runs with the same seed see
 * the same batches in the same order, with or without a cache; {@code shuffle(false)} or a
 * {@link BatchOrder} sets the order. The loop is open: a {@link LearningRateSchedule} changes the
 * rate per epoch, a {@link CheckpointStore} keeps checkpoints and resumes from them, and a
 * {@link TrainingListener} can stop the run and read its weights through {@link TrainingControl}.
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

    private static final System.Logger LOG = System.getLogger(Trainer.class.getName());

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
    private final BatchOrder batchOrder;
    private final LearningRateSchedule schedule;
    private final CheckpointStore checkpoints;
    private final int checkpointEvery;
    private final Augmentation augmentation;
    private final int views;

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
        this.batchOrder = b.batchOrder != null ? b.batchOrder : b.shuffle ? BatchOrder.shuffled(b.seed) : BatchOrder.sequential();
        this.schedule = b.schedule;
        this.checkpoints = b.checkpoints;
        this.checkpointEvery = b.checkpointEvery;
        // No distortion and one view is plain training: same rows, same cache entry as without augmentation.
        boolean off = b.augmentation == null || (b.augmentation.isIdentity() && b.views == 1);
        this.augmentation = off ? null : b.augmentation;
        this.views = off ? 1 : b.views;
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
     * With a {@link CheckpointStore} that holds a checkpoint of this same run, training resumes after
     * the checkpoint's epoch.
     *
     * @throws IllegalArgumentException naming the layer and widths if the data does not fit the model
     * @throws IllegalStateException if the loss becomes NaN or infinite, or explodes (more than 10^4 times the first
     *         batch's; names epoch and batch), or the checkpoint store holds a checkpoint of another run
     */
    public TrainingResult fit(Model model, Dataset train, Dataset validation) {
        checkData(model, train, "training");
        if (validation != null) {
            checkData(model, validation, "validation");
        }
        if (earlyStopping != null && validation == null && earlyStopping.monitor().needsValidation()) {
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
        if (cache != null) {
            explainShortCut(model, split);
        }
        Model prefix = split == 0 ? null : model.slice(0, split);
        // Cached features may live outside the heap (a memory-mapped file): read them through a
        // FeatureSource; labels and targets still come from the caller's datasets.
        FeatureSource trainX = trainingRows(prefix, train, events);
        FeatureSource valX = validation == null ? null
                : prefix == null ? FeatureSource.of(validation) : cache.source(prefix, validation, backend, events);

        String run = checkpoints == null ? null : RunIdentity.of(model, train, validation, settings());
        Checkpoint resumed = checkpoints == null ? null : resumable(run);
        List<EpochStats> history = new ArrayList<>(resumed == null ? List.of() : resumed.epochs());
        Model initialTop = (resumed == null ? model : resumed.model()).slice(split, model.size());
        Model best = resumed == null || resumed.best() == null ? null : resumed.best().slice(split, model.size());
        EarlyStoppingState stopping = new EarlyStoppingState(earlyStopping);
        history.forEach(stopping::improved);
        boolean stoppedEarly = stopping.exhausted();

        int batch = Math.min(batchSize, train.size());
        Control control = new Control(backend, prefix,
                rate -> new TrainingConfig(loss, optimizer.withLearningRate(rate), l2, multipliers, seed));
        events.onTrainingStart(control);
        DivergenceCheck divergence = new DivergenceCheck(optimizer.learningRate());
        try {
            float[] x = new float[batch * trainX.width()];
            float[] y = new float[batch * train.targetWidth()];
            for (int epoch = history.size() + 1; epoch <= epochs && !stoppedEarly && !control.stopRequested(); epoch++) {
                long start = System.nanoTime();
                control.epoch = epoch;
                control.place(initialTop, schedule.learningRate(epoch, optimizer.learningRate(), history), batch);
                Network net = control.network;
                int[] order = checkedOrder(epoch, train);
                int[] rowsOf = viewRows(epoch, order, train.size());
                int batches = (order.length + batch - 1) / batch;
                events.onEpochStart(epoch, batches);
                double lossSum = 0;
                long correct = 0;
                int seen = 0;
                for (int b = 0; b < batches && !control.stopRequested(); b++) {
                    int from = b * batch;
                    int rows = Math.min(batch, order.length - from);
                    trainX.gather(rowsOf, from, from + rows, x);
                    train.gatherTargets(order, from, from + rows, y);
                    StepStats stats = net.trainStep(x, y, rows);
                    divergence.check(stats.lossSum(), rows, epoch, b + 1, batches);
                    lossSum += stats.lossSum();
                    correct += stats.correct();
                    seen += rows;
                    events.onBatch(epoch, b + 1, batches, rows, stats.lossSum() / rows);
                }
                double valLoss = Double.NaN;
                double valAcc = Double.NaN;
                if (valX != null) {
                    Evaluation e = evaluate(net, valX, validation);
                    valLoss = e.loss();
                    valAcc = e.accuracy();
                }
                double trainAcc = loss.usesClassLabels() && seen > 0 ? (double) correct / seen : Double.NaN;
                EpochStats stats = new EpochStats(epoch, seen == 0 ? Double.NaN : lossSum / seen, trainAcc, valLoss, valAcc,
                        (System.nanoTime() - start) / 1e9, seen, control.learningRate);
                history.add(stats);
                events.onEpochEnd(stats);
                if (stopping.improved(stats) && earlyStopping.restoreBest()) {
                    best = net.snapshot();
                }
                stoppedEarly = stopping.exhausted() && epoch < epochs;
                boolean last = epoch == epochs || stoppedEarly || control.stopRequested();
                if (checkpoints != null && (epoch % checkpointEvery == 0 || last)) {
                    save(new Checkpoint(run, epoch, whole(prefix, net.snapshot()), best == null ? null : whole(prefix, best), history));
                }
            }
            Model trainedTop = best != null ? best : control.network != null ? control.network.snapshot() : initialTop;
            int returned = best != null ? stopping.bestEpoch() : history.size();
            return new TrainingResult(whole(prefix, trainedTop),
                    new History(history, returned, stoppedEarly || control.stopRequested()));
        } finally {
            control.close();
        }
    }

    /** Loss, accuracy and confusion matrix of {@code model} on {@code data}, in inference mode. */
    public Evaluation evaluate(Model model, Dataset data) {
        checkData(model, data, "evaluation");
        float[] outputs = Featurizer.outputs(model, data, backend, Math.max(batchSize, Featurizer.DEFAULT_BATCH));
        return Evaluation.of(model, loss, data, outputs);
    }

    private Evaluation evaluate(Network net, FeatureSource features, Dataset data) {
        Model top = net.plan().model();
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

    /**
     * The rows the training batches read: the data's features, the cached features of the frozen prefix,
     * or, with an augmentation, {@code views} augmented views per sample (row {@code i * views + j}),
     * cached after the prefix under a key that includes the augmentation and the number of views.
     */
    private FeatureSource trainingRows(Model prefix, Dataset train, TrainingListener events) {
        if (augmentation == null) {
            return prefix == null ? FeatureSource.of(train) : cache.source(prefix, train, backend, events);
        }
        FeatureSource augmented = augmentation.views(train, views);
        return prefix == null ? augmented : cache.featurize(prefix, augmented, train.featureFingerprint(),
                augmentation.id() + "|views=" + views, backend, events);
    }

    /** {@code order} mapped to the rows of {@link #trainingRows}: each sample's view for this epoch. */
    private int[] viewRows(int epoch, int[] order, int samples) {
        if (augmentation == null) {
            return order;
        }
        int[] chosen = Augmentation.epochViews(seed, epoch, samples, views);
        int[] rows = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            rows[i] = order[i] * views + chosen[order[i]];
        }
        return rows;
    }

    /** The order for {@code epoch}, checked: every index must name a training sample. */
    private int[] checkedOrder(int epoch, Dataset train) {
        int[] order = batchOrder.order(epoch, train);
        if (order == null || order.length == 0) {
            throw new IllegalStateException("the batch order gave no samples for epoch " + epoch);
        }
        for (int i = 0; i < order.length; i++) {
            if (order[i] < 0 || order[i] >= train.size()) {
                throw new IllegalStateException("the batch order for epoch " + epoch + " names sample " + order[i]
                        + " (position " + i + "); the training set has " + train.size());
            }
        }
        return order;
    }

    /** The stored checkpoint of this run, if any; a checkpoint of another run is an error, not silently ignored. */
    private Checkpoint resumable(String run) {
        Optional<Checkpoint> stored;
        try {
            stored = checkpoints.load();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the checkpoint in " + checkpoints + ": " + e.getMessage(), e);
        }
        if (stored.isEmpty()) {
            return null;
        }
        Checkpoint c = stored.get();
        if (!c.run().equals(run)) {
            throw new IllegalStateException(checkpoints + " holds a checkpoint of another run (other model, data or settings: "
                    + c.run() + ", this run is " + run + "); give this run its own checkpoint directory or delete that one");
        }
        LOG.log(System.Logger.Level.INFO, "resuming after epoch {0} from {1}", c.epoch(), checkpoints);
        return c;
    }

    private void save(Checkpoint checkpoint) {
        try {
            checkpoints.save(checkpoint);
        } catch (IOException e) {
            throw new UncheckedIOException("could not save the checkpoint of epoch " + checkpoint.epoch() + " to "
                    + checkpoints + ": " + e.getMessage(), e);
        }
    }

    /** The hyper-parameters that change a run's result (for {@link RunIdentity}). */
    private String settings() {
        return "loss=" + loss + "|optimizer=" + optimizer + "|epochs=" + epochs + "|batch=" + batchSize + "|seed=" + seed
                + "|l2=" + l2 + "|multipliers=" + new java.util.TreeMap<>(multipliers) + "|cache=" + (cache != null)
                + "|early=" + earlyStopping
                + (augmentation == null ? "" : "|" + augmentation.id() + "|views=" + views);
    }

    /** Logs why the cache stops below the top frozen layer of a graph: no single tensor crosses there. */
    private static void explainShortCut(Model model, int split) {
        int frozen = 0;
        while (frozen < model.size() && !model.layer(frozen).trainable()) {
            frozen++;
        }
        if (split < frozen) {
            String blocker = model.cutBlocker(frozen).orElse("?");
            LOG.log(System.Logger.Level.INFO, "bottleneck cache: the frozen layers reach ''{0}'', but more than one tensor "
                    + "crosses above it (''{1}'' also feeds a layer above it), so {2}", model.layer(frozen - 1).name(), blocker,
                    split == 0 ? "training runs uncached" : "only the first " + split + " layers (through '"
                            + model.layer(split - 1).name() + "') are cached");
        }
    }

    static Model whole(Model prefix, Model top) {
        return prefix == null ? top : prefix.concat(top);
    }

    private void checkData(Model model, Dataset data, String what) {
        Objects.requireNonNull(data, what + " data");
        if (!data.isLabelled()) {
            throw new IllegalArgumentException("the " + what + " data has no labels or targets; training and evaluation need them"
                    + " (use a Predictor to predict on unlabelled data)");
        }
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

    /**
     * Configures a {@link Trainer}; defaults: softmax cross-entropy, SGD 0.01 (no momentum), 10 epochs,
     * batch 64, seed 0, shuffled batches, constant learning rate, no cache, no checkpoints. (The
     * {@code graft} CLI's {@code transfer} uses other defaults: momentum 0.9, batch 32, a memory cache;
     * see its {@code --help}.)
     */
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
        private Augmentation augmentation;
        private int views = 1;
        private final List<TrainingListener> listeners = new ArrayList<>();
        private boolean shuffle = true;
        private BatchOrder batchOrder;
        private LearningRateSchedule schedule = LearningRateSchedule.constant();
        private CheckpointStore checkpoints;
        private int checkpointEvery = 1;

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

        /**
         * Trains on {@code views} augmented views of every training image (validation data is not
         * augmented); each epoch uses one view per image, drawn from the trainer's seed and the epoch.
         * With a {@link #cache cache}, all views are featurized once and cached, so augmentation no
         * longer costs the cache; {@code views = 1} trains on one fixed distortion per image. Null
         * (the default) switches augmentation off.
         */
        public Builder augment(Augmentation augmentation, int views) {
            if (views < 1) {
                throw new IllegalArgumentException("views must be >= 1, got " + views);
            }
            this.augmentation = augmentation;
            this.views = views;
            return this;
        }

        /** Caches the frozen prefix's outputs; null (the default) runs the whole model every epoch. */
        public Builder cache(BottleneckCache cache) { this.cache = cache; return this; }

        /** Receives progress events; through {@link TrainingListener#onTrainingStart} it can stop the run and read the weights. */
        public Builder listener(TrainingListener listener) { listeners.add(Objects.requireNonNull(listener)); return this; }

        /** {@code false} visits the samples in dataset order every epoch; {@code true} (the default) shuffles with the seed. */
        public Builder shuffle(boolean shuffle) { this.shuffle = shuffle; return this; }

        /** An explicit order or sampler for each epoch's batches; overrides {@link #shuffle}. */
        public Builder batchOrder(BatchOrder order) { this.batchOrder = Objects.requireNonNull(order); return this; }

        /** How the learning rate changes from epoch to epoch (default: the optimizer's rate throughout). */
        public Builder learningRateSchedule(LearningRateSchedule schedule) { this.schedule = Objects.requireNonNull(schedule); return this; }

        /**
         * Saves a {@link Checkpoint} to {@code store} every {@code everyEpochs} epochs and after the last
         * one, and resumes from the store's checkpoint when it holds one of the same run.
         */
        public Builder checkpoints(CheckpointStore store, int everyEpochs) {
            if (everyEpochs < 1) {
                throw new IllegalArgumentException("checkpoint interval must be >= 1 epoch, got " + everyEpochs);
            }
            this.checkpoints = Objects.requireNonNull(store);
            this.checkpointEvery = everyEpochs;
            return this;
        }

        public Trainer build() { return new Trainer(this); }
    }
}
