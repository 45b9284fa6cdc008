package dev.graft.exec;

import dev.graft.Model;

/**
 * A model placed on a backend: parameters, activations, gradients and optimizer state live on the
 * device between calls; only batches go in and only outputs (and, on request, parameters) come out.
 *
 * <p>Partial backprop: no gradient is computed for a frozen layer's parameters, and no gradient
 * with respect to the input of the lowest trainable layer. Frozen layers run in inference mode.
 */
public interface Network extends AutoCloseable {

    NetworkPlan plan();

    /**
     * Inference over {@code rows} samples read from {@code input[inputOffset..]} (row-major,
     * {@code rows × inputWidth}); writes {@code rows × outputWidth} values to {@code output[outputOffset..]}.
     */
    void predict(float[] input, int inputOffset, int rows, float[] output, int outputOffset);

    /**
     * One optimizer step on a batch: {@code targets} holds {@code rows} class indices for
     * cross-entropy, or {@code rows × outputWidth} values for squared error.
     *
     * @throws IllegalStateException if the plan has no training configuration
     */
    StepStats trainStep(float[] input, float[] targets, int rows);

    /**
     * Changes the optimizer's base learning rate for the following steps, keeping its state (momentum,
     * Adam's moments and step count), as a learning-rate schedule needs; per-layer multipliers still
     * apply. {@link #plan()} keeps describing the rate the network was placed with.
     *
     * @return false when this network cannot change its rate in place (the caller then places the
     *     model again, and the optimizer state starts over)
     * @throws IllegalStateException if the plan has no training configuration
     */
    default boolean setLearningRate(float rate) {
        return false;
    }

    /** The current parameters as a new model (frozen layers are the very layers of the plan's model). */
    Model snapshot();

    /** Frees everything this network holds on the device. */
    @Override
    void close();
}
