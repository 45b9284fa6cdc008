package dev.graft.train;

/**
 * Stops a run whose loss diverges, with a sentence that says where and what to try, instead of training on to
 * a loss of 1e30 or NaN and saving the result: a batch whose mean loss is NaN or infinite, or more than
 * {@value #FACTOR} times the first batch's (counting the first as at least {@value #FLOOR}, so a model that starts
 * almost perfect is not stopped by ordinary noise).
 */
final class DivergenceCheck {

    /** How many times the first batch's mean loss a later batch may reach before the run counts as diverged. */
    static final double FACTOR = 1e4;
    /** The smallest first-batch loss the factor is applied to. */
    static final double FLOOR = 0.01;

    private final float learningRate;
    private double first = Double.NaN;

    DivergenceCheck(float learningRate) {
        this.learningRate = learningRate;
    }

    /**
     * Checks one batch's summed loss over {@code rows} samples.
     *
     * @throws IllegalStateException naming the epoch and batch when the loss is not finite or has exploded
     */
    void check(double lossSum, int rows, int epoch, int batch, int batches) {
        double mean = lossSum / rows;
        String where = " at epoch " + epoch + ", batch " + batch + " of " + batches;
        if (!Double.isFinite(mean)) {
            throw new IllegalStateException("training diverged: the loss became " + lossSum + where
                    + "; lower the learning rate (" + learningRate + ") or check the data");
        }
        if (Double.isNaN(first)) {
            first = mean;
            return;
        }
        if (mean > FACTOR * Math.max(first, FLOOR)) {
            throw new IllegalStateException(String.format(java.util.Locale.ROOT, "training diverged: the mean loss "
                    + "reached %.4g%s, %.3g times the first batch's %.4g; lower the learning rate (%s), e.g. to %s",
                    mean, where, mean / first, first, learningRate, learningRate / 10));
        }
    }
}
