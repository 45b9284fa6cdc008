package dev.graft.train;

/**
 * Stops training when the monitored validation metric has not improved by more than
 * {@code minDelta} for {@code patience} epochs, and (if {@code restoreBest}) returns the weights
 * of the best epoch rather than the last.
 */
public record EarlyStopping(Monitor monitor, int patience, double minDelta, boolean restoreBest) {

    /** The metric watched (early stopping and {@link LearningRateSchedule#reduceOnPlateau}). */
    public enum Monitor {
        VALIDATION_LOSS, VALIDATION_ACCURACY, TRAINING_LOSS;

        /** Higher is better: the negated loss, or the accuracy. */
        double score(EpochStats stats) {
            return switch (this) {
                case VALIDATION_LOSS -> -stats.validationLoss();
                case VALIDATION_ACCURACY -> stats.validationAccuracy();
                case TRAINING_LOSS -> -stats.trainLoss();
            };
        }

        /** Whether this metric needs a validation set. */
        public boolean needsValidation() {
            return this != TRAINING_LOSS;
        }
    }

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
        return monitor.score(stats);
    }
}
