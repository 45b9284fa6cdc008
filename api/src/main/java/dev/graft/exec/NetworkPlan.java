package dev.graft.exec;

import dev.graft.Model;
import dev.graft.train.TrainingConfig;

/**
 * What to place on a backend: the model, how it will be trained (null for inference only) and the
 * largest batch it will see, so that buffers are allocated once.
 */
public record NetworkPlan(Model model, TrainingConfig training, int maxBatch) {

    public NetworkPlan {
        if (model == null) {
            throw new IllegalArgumentException("model is required");
        }
        if (maxBatch <= 0) {
            throw new IllegalArgumentException("maxBatch must be positive, got " + maxBatch);
        }
    }

    /** A plan for inference only (featurizing, evaluation). */
    public static NetworkPlan inference(Model model, int maxBatch) {
        return new NetworkPlan(model, null, maxBatch);
    }

    public boolean trains() {
        return training != null;
    }
}
