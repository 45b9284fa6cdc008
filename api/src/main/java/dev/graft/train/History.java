package dev.graft.train;

import java.util.List;

/**
 * The record of a training run: one entry per epoch, the epoch whose weights were returned
 * (the best one when early stopping restores it, else the last), and whether training stopped before its
 * last epoch (early stopping, or a listener's {@link TrainingControl#stop()}).
 */
public record History(List<EpochStats> epochs, int returnedEpoch, boolean stoppedEarly) {

    public History {
        epochs = List.copyOf(epochs);
    }

    public EpochStats last() {
        return epochs.get(epochs.size() - 1);
    }
}
