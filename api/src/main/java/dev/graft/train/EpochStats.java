package dev.graft.train;

/**
 * What one epoch measured. Training loss and accuracy are averaged over the epoch's batches as they
 * were trained (before each step's update); validation figures are NaN without a validation set.
 */
public record EpochStats(int epoch, double trainLoss, double trainAccuracy,
                         double validationLoss, double validationAccuracy, double seconds, int samples) {

    public boolean hasValidation() {
        return !Double.isNaN(validationLoss);
    }
}
