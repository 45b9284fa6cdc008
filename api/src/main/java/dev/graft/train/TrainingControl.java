package dev.graft.train;

import dev.graft.Model;

/**
 * What a {@link TrainingListener} may do to a run in progress (given to
 * {@link TrainingListener#onTrainingStart}): stop it, and read the current weights. Use it from
 * the listener's callbacks, on the training thread.
 */
public interface TrainingControl {

    /**
     * Asks the trainer to stop after the current batch. The epoch is recorded as far as it got (its
     * statistics count the samples trained), validated, and checkpointed if a store is set; a run
     * resumed from that checkpoint continues with the next epoch.
     */
    void stop();

    /** Whether {@link #stop()} was called. */
    boolean stopRequested();

    /** The current epoch (counting from 1). */
    int epoch();

    /** The learning rate of the current epoch (after the schedule). */
    float learningRate();

    /**
     * The whole model with the weights as they are now (copied from the backend on each call, so
     * call it when needed, not on every batch). Frozen layers are the caller's own layers.
     */
    Model currentModel();
}
