package dev.graft.train;

/**
 * What one epoch measured. Training loss and accuracy are averaged over the epoch's batches as they
 * were trained (before each step's update); validation figures are NaN without a validation set;
 * {@code samples} counts the samples trained (fewer than the set when a listener stopped the epoch
 * early); {@code learningRate} is the rate the epoch used (after any schedule), NaN when unknown.
 */
public record EpochStats(int epoch, double trainLoss, double trainAccuracy,
                         double validationLoss, double validationAccuracy, double seconds, int samples,
                         double learningRate) {

    /** Statistics without the learning rate (kept for callers written before it was recorded). */
    public EpochStats(int epoch, double trainLoss, double trainAccuracy, double validationLoss,
                      double validationAccuracy, double seconds, int samples) {
        this(epoch, trainLoss, trainAccuracy, validationLoss, validationAccuracy, seconds, samples, Double.NaN);
    }

    public boolean hasValidation() {
        return !Double.isNaN(validationLoss);
    }
}
