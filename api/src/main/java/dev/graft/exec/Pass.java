package dev.graft.exec;

/**
 * How one forward pass runs a layer, decided by the executor from the {@link ExecutionPlan}. One
 * instance per network is reused for every layer and step, so the hot path allocates nothing.
 */
public final class Pass {

    private boolean training;
    private boolean logits;
    private long seed;

    /** Whether the layer runs in training mode: a training step, and the layer is trainable. */
    public boolean training() {
        return training;
    }

    /** Whether the layer must output logits: the loss applies the softmax it ends with. */
    public boolean logits() {
        return logits;
    }

    /** The seed for this layer's random masks at this step (see {@link dev.graft.spi.DropoutMask}). */
    public long seed() {
        return seed;
    }

    /** Sets every field; for executors. */
    public Pass set(boolean training, boolean logits, long seed) {
        this.training = training;
        this.logits = logits;
        this.seed = seed;
        return this;
    }
}
