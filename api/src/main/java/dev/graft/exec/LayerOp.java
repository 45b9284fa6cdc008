package dev.graft.exec;

import dev.graft.spi.DeviceBuffer;

/**
 * A layer placed on a backend: its forward and backward passes over the backend's kernels. Built
 * once per network by {@link dev.graft.Layer#op}; it may keep references to the parameter and
 * gradient buffers of its {@link OpContext} and to scratch buffers it allocated there, and must
 * not allocate anything per call (the training hot path).
 *
 * <p>Buffers hold {@code rows} samples, row-major, each of the layer's input or output size.
 */
public interface LayerOp {

    /**
     * Computes {@code output} from {@code input} for {@code rows} samples. {@code pass} says whether
     * this is a training step for this layer (dropout active, batch statistics), whether to output
     * logits instead of a softmax (the loss absorbs it), and the seed for random masks.
     */
    void forward(DeviceBuffer input, DeviceBuffer output, int rows, Pass pass);

    /**
     * Back-propagates {@code outputGrad} (the loss gradient with respect to {@code output}, which the
     * op may overwrite): writes the gradient of every parameter whose {@link OpContext#gradient}
     * buffer exists, and the gradient with respect to {@code input} into {@code inputGrad} unless it
     * is null (the lowest differentiated layer gets none). {@code input} and {@code output} are the
     * buffers of the latest forward pass, which was a training one.
     */
    void backward(DeviceBuffer input, DeviceBuffer output, DeviceBuffer outputGrad, DeviceBuffer inputGrad, int rows);

    /**
     * Whether this op applies a plain SGD update itself when {@link OpContext#foldedSgdRate} offers
     * one: {@code p -= rate · gradient} fused into the product that computes the gradient (GEMM with
     * {@code alpha = -rate}, {@code beta = 1} into the parameter), after its last read of the old value
     * in {@link #backward}. This saves a write and two reads of every gradient and parameter per step.
     */
    default boolean appliesSgdItself() {
        return false;
    }
}
