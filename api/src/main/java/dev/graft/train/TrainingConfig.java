package dev.graft.train;

import java.util.Map;

/**
 * What a {@link dev.graft.exec.Network} needs to know to take training steps.
 *
 * @param loss                   the loss minimised
 * @param optimizer              the update rule
 * @param l2                     L2 penalty coefficient on trainable weights (not biases): adds {@code l2·w} to each gradient
 * @param learningRateMultipliers per-layer factors on the learning rate (discriminative fine-tuning); absent means 1
 * @param seed                   seeds dropout masks
 */
public record TrainingConfig(Loss loss, Optimizer optimizer, float l2,
                             Map<String, Float> learningRateMultipliers, long seed) {

    public TrainingConfig {
        if (loss == null || optimizer == null) {
            throw new IllegalArgumentException("loss and optimizer are required");
        }
        if (!(l2 >= 0) || !Float.isFinite(l2)) {
            throw new IllegalArgumentException("l2 must be finite and non-negative, got " + l2);
        }
        learningRateMultipliers = Map.copyOf(learningRateMultipliers);
        learningRateMultipliers.forEach((layer, m) -> {
            if (!(m >= 0) || !Float.isFinite(m)) {
                throw new IllegalArgumentException("learning-rate multiplier for '" + layer + "' must be finite and >= 0, got " + m);
            }
        });
    }

    /** The multiplier for a layer, 1 unless set. */
    public float multiplier(String layer) {
        return learningRateMultipliers.getOrDefault(layer, 1f);
    }
}
