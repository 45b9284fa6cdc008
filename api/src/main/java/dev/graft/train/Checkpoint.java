package dev.graft.train;

import dev.graft.Model;
import java.util.List;

/**
 * A training run's state after an epoch, enough to resume it: the whole model as trained so far,
 * the best model when early stopping keeps one (else null), and every finished epoch's statistics
 * (learning-rate schedules and early stopping are replayed from them).
 *
 * @param run    identifies the run (model layout, data, hyper-parameters): a checkpoint is only resumed
 *               by a run with the same identity
 * @param epoch  the last finished epoch
 * @param model  the whole model after that epoch
 * @param best   the whole model of the best epoch so far ({@link EarlyStopping#restoreBest()}), or null
 * @param epochs statistics of epochs {@code 1..epoch}
 */
public record Checkpoint(String run, int epoch, Model model, Model best, List<EpochStats> epochs) {

    public Checkpoint {
        if (run == null || model == null || epochs == null) {
            throw new IllegalArgumentException("a checkpoint needs its run, model and epochs");
        }
        if (epochs.size() != epoch) {
            throw new IllegalArgumentException("checkpoint of epoch " + epoch + " carries " + epochs.size() + " epochs' statistics");
        }
        epochs = List.copyOf(epochs);
    }
}
