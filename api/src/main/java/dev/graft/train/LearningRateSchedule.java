package dev.graft.train;

import java.util.List;

/**
 * The learning rate of each epoch, from the optimizer's base rate and the epochs finished so far.
 * A schedule is a pure function of its arguments (it keeps no state), so a run resumed from a
 * {@link Checkpoint} continues with the rate the uninterrupted run would have used.
 *
 * <p>When the rate changes between epochs, the trainer places the network again with the new
 * rate: momentum and Adam moments restart at that point (the backend SPI does not yet export
 * optimizer state). Step schedules change rarely; for plain SGD nothing is lost.
 */
@FunctionalInterface
public interface LearningRateSchedule {

    /**
     * The rate for {@code epoch} (counting from 1).
     *
     * @param base     the optimizer's learning rate
     * @param finished the statistics of epochs {@code 1..epoch-1}
     */
    float learningRate(int epoch, float base, List<EpochStats> finished);

    /** The optimizer's rate throughout (the default). */
    static LearningRateSchedule constant() {
        return (epoch, base, finished) -> base;
    }

    /** {@code base · factor^⌊(epoch-1)/every⌋}: e.g. {@code step(10, 0.1f)} divides the rate by ten every ten epochs. */
    static LearningRateSchedule step(int every, float factor) {
        if (every < 1 || !(factor > 0 && factor <= 1)) {
            throw new IllegalArgumentException("step schedule needs every >= 1 and factor in (0, 1], got " + every + ", " + factor);
        }
        return (epoch, base, finished) -> (float) (base * Math.pow(factor, (epoch - 1) / every));
    }

    /**
     * Cosine annealing from the base rate at epoch 1 to {@code minRate} at epoch {@code totalEpochs}
     * (and after): {@code min + (base − min)·(1 + cos(π·(epoch−1)/(total−1)))/2}.
     */
    static LearningRateSchedule cosine(int totalEpochs, float minRate) {
        if (totalEpochs < 1 || !(minRate >= 0)) {
            throw new IllegalArgumentException("cosine schedule needs totalEpochs >= 1 and minRate >= 0, got " + totalEpochs + ", " + minRate);
        }
        return (epoch, base, finished) -> {
            if (totalEpochs == 1 || epoch >= totalEpochs) {
                return totalEpochs == 1 ? base : Math.min(base, minRate);
            }
            double t = (epoch - 1) / (double) (totalEpochs - 1);
            return (float) (minRate + (base - minRate) * (1 + Math.cos(Math.PI * t)) / 2);
        };
    }

    /**
     * Keras's {@code ReduceLROnPlateau}: multiplies the rate by {@code factor} (not below
     * {@code minRate}) whenever {@code monitor} has not improved for {@code patience} epochs, then
     * waits another {@code patience} epochs. Replayed from the finished epochs each time.
     */
    static LearningRateSchedule reduceOnPlateau(EarlyStopping.Monitor monitor, float factor, int patience, float minRate) {
        if (monitor == null || !(factor > 0 && factor < 1) || patience < 1 || !(minRate >= 0)) {
            throw new IllegalArgumentException("reduce-on-plateau needs a monitor, factor in (0, 1), patience >= 1 and minRate >= 0");
        }
        return (epoch, base, finished) -> {
            double rate = base;
            double best = Double.NEGATIVE_INFINITY;
            int wait = 0;
            for (EpochStats stats : finished) {
                double score = monitor.score(stats);
                if (score > best) {
                    best = score;
                    wait = 0;
                } else if (++wait >= patience) {
                    rate = Math.max(rate * factor, minRate);
                    wait = 0;
                }
            }
            return (float) rate;
        };
    }
}
