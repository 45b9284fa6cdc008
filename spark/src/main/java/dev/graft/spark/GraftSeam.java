package dev.graft.spark;

import dev.graft.Backends;
import dev.graft.Model;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import dev.graft.exec.StepStats;
import dev.graft.train.Loss;
import dev.graft.train.Optimizer;
import dev.graft.train.TrainingConfig;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one place this module touches Graft's execution seam ({@link Network}, {@link NetworkPlan}),
 * so that a change there (the layer redesign moves them) touches this file only. Everything else
 * in the module goes through the public entry points: {@code Models}, {@code Backends},
 * {@code Featurizer}, {@code Trainer}.
 */
final class GraftSeam {

    private static final AtomicInteger OPEN_RUNNERS = new AtomicInteger();
    private static final AtomicInteger RUNNERS_OPENED = new AtomicInteger();

    private GraftSeam() {
    }

    /** Runners opened in this JVM and not yet closed: a test hook that proves partitions free their native memory. */
    static int openRunners() {
        return OPEN_RUNNERS.get();
    }

    /** Runners opened in this JVM so far (test hook). */
    static int runnersOpened() {
        return RUNNERS_OPENED.get();
    }

    /** Opens {@code backendName} ({@code ""}: the best present here, honouring {@code graft.backend}). */
    static Backend openBackend(String backendName) {
        return backendName == null || backendName.isBlank()
                ? Backends.open()
                : Backends.open(backendName, BackendOptions.defaults());
    }

    /**
     * A model placed on a backend for inference, exactly as {@code Featurizer.outputs} (the path
     * {@code graft featurize} takes) places it: one network per runner, batches of up to
     * {@code maxBatch} rows. Owns the backend and the network; {@link #close()} frees both and is idempotent.
     */
    static final class Runner implements AutoCloseable {
        private final Backend backend;
        private final Network network;
        private final Model model;
        private boolean closed;

        Runner(Model model, String backendName, int maxBatch) {
            this.model = model;
            Backend opened = openBackend(backendName);
            try {
                this.network = Networks.open(opened, NetworkPlan.inference(model, maxBatch));
            } catch (RuntimeException | Error e) {
                opened.close();
                throw e;
            }
            this.backend = opened;
            OPEN_RUNNERS.incrementAndGet();
            RUNNERS_OPENED.incrementAndGet();
        }

        String backendName() {
            return backend.name();
        }

        /** Inference over {@code rows} rows of {@code input}; writes {@code rows × outputWidth} values to {@code output}. */
        void predict(float[] input, int rows, float[] output) {
            network.predict(input, 0, rows, output, 0);
        }

        Model model() {
            return model;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                network.close();
            } finally {
                backend.close();
                OPEN_RUNNERS.decrementAndGet();
            }
        }
    }

    /**
     * Training steps on batches that arrive one at a time (the streamed path of
     * {@link GraftHeadEstimator}), with the same network and configuration {@code Trainer} uses.
     */
    static final class StreamingTrainer implements AutoCloseable {
        private final Backend backend;
        private final Network network;

        StreamingTrainer(Model top, Optimizer optimizer, long seed, int maxBatch, String backendName) {
            Backend opened = openBackend(backendName);
            try {
                TrainingConfig config = new TrainingConfig(Loss.SOFTMAX_CROSS_ENTROPY, optimizer, 0f, Map.of(), seed);
                this.network = Networks.open(opened, new NetworkPlan(top, config, maxBatch));
            } catch (RuntimeException | Error e) {
                opened.close();
                throw e;
            }
            this.backend = opened;
        }

        /** One optimizer step; returns {@code {lossSum, correct}} of the batch. */
        double[] step(float[] x, float[] labels, int rows) {
            StepStats stats = network.trainStep(x, labels, rows);
            return new double[] {stats.lossSum(), stats.correct()};
        }

        Model snapshot() {
            return network.snapshot();
        }

        @Override
        public void close() {
            try {
                network.close();
            } finally {
                backend.close();
            }
        }
    }
}
