package dev.graft.train;

/**
 * Stops training when the monitored validation metric has not improved by more than
 * {@code minDelta} for {@code patience} epochs, and (if {@code restoreBest}) returns the weights
 * of the best epoch rather than the last.
 */
public record EarlyStopping(Monitor monitor, int patience, double minDelta, boolean restoreBest) {

    /** The validation metric watched. */
    public enum Monitor { VALIDATION_LOSS, VALIDATION_ACCURACY }

    public EarlyStopping {
        if (monitor == null || patience < 1 || !(minDelta >= 0)) {
            throw new IllegalArgumentException("early stopping needs a monitor, patience >= 1 and minDelta >= 0");
        }
    }

    /** Validation loss, given patience, restoring the best weights. */
    public static EarlyStopping onValidationLoss(int patience) {
        return new EarlyStopping(Monitor.VALIDATION_LOSS, patience, 0, true);
    }

    double score(EpochStats stats) {
        return monitor == Monitor.VALIDATION_LOSS ? -stats.validationLoss() : stats.validationAccuracy();
    }
}
