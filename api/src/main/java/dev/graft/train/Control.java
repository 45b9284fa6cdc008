package dev.graft.train;

import dev.graft.Model;
import dev.graft.spi.Backend;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A {@link Trainer} run's placed network, its learning rate changed in place when a schedule
 * changes it, and what listeners may do with it ({@link TrainingControl}).
 */
final class Control implements TrainingControl, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Control.class.getName());

    private final Backend backend;
    private final Model prefix;
    private final Function<Float, TrainingConfig> config;
    Network network;
    float learningRate = Float.NaN;
    int epoch;
    private boolean stop;

    /**
     * @param prefix the frozen prefix that runs outside the network (cached features), or null
     * @param config the training configuration for a learning rate
     */
    Control(Backend backend, Model prefix, Function<Float, TrainingConfig> config) {
        this.backend = backend;
        this.prefix = prefix;
        this.config = config;
    }

    /**
     * Places {@code start} with rate {@code rate}, or keeps the current network when the rate is
     * unchanged, or changes the rate in place so that the optimizer's state (momentum, Adam's moments
     * and step count) carries on. Only a network that cannot change its rate is placed again from a
     * snapshot, and then its optimizer state starts over (logged).
     */
    void place(Model start, float rate, int batch) {
        if (network != null && rate == learningRate) {
            return;
        }
        if (!(rate > 0) || !Float.isFinite(rate)) {
            throw new IllegalStateException("the learning-rate schedule gave " + rate + " for epoch " + epoch);
        }
        if (network != null && network.setLearningRate(rate)) {
            learningRate = rate;
            return;
        }
        if (network != null) {
            LOG.log(Level.INFO, "epoch " + epoch + ": learning rate " + learningRate + " -> " + rate
                    + "; this backend's network cannot change its rate in place, so it is placed again and the "
                    + "optimizer state (momentum, Adam moments) starts over");
        }
        Model from = network == null ? start : network.snapshot();
        close();
        network = Networks.open(backend, new NetworkPlan(from, config.apply(rate), batch));
        learningRate = rate;
    }

    @Override public void stop() { stop = true; }

    @Override public boolean stopRequested() { return stop; }

    @Override public int epoch() { return epoch; }

    @Override public float learningRate() { return learningRate; }

    @Override
    public Model currentModel() {
        if (network == null) {
            throw new IllegalStateException("no epoch has started yet");
        }
        return Trainer.whole(prefix, network.snapshot());
    }

    @Override
    public void close() {
        if (network != null) {
            network.close();
            network = null;
        }
    }
}
