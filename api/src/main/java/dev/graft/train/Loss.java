package dev.graft.train;

/**
 * What training minimises, averaged over the batch.
 *
 * <ul>
 *   <li>{@link #SOFTMAX_CROSS_ENTROPY}: integer class labels against the model's logits, softmax and
 *       log fused for numerical stability (TF's {@code sparse_softmax_cross_entropy_with_logits}).
 *       If the top layer's activation is softmax, training applies the loss to its pre-activation
 *       logits, as Keras does.</li>
 *   <li>{@link #MEAN_SQUARED_ERROR}: float targets; per sample the mean over outputs of the squared
 *       difference (Keras' {@code mean_squared_error}).</li>
 * </ul>
 */
public enum Loss {
    SOFTMAX_CROSS_ENTROPY,
    MEAN_SQUARED_ERROR;

    /** Whether the loss takes integer class labels (as opposed to float targets). */
    public boolean usesClassLabels() {
        return this == SOFTMAX_CROSS_ENTROPY;
    }
}
