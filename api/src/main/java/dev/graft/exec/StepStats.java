package dev.graft.exec;

/**
 * What one training step measured on its batch, before the update.
 *
 * @param lossSum sum over the batch of the per-sample loss (no L2 term)
 * @param correct samples whose arg-max output equals the label (0 for regression losses)
 */
public record StepStats(double lossSum, int correct) {
}
