package dev.graft.train;

/**
 * How parameters move along their gradients. Weight decay ({@code l2}) and per-layer learning-rate
 * multipliers are {@link TrainingConfig} settings, applied to trainable parameters only.
 */
public sealed interface Optimizer permits Optimizer.Sgd, Optimizer.Adam {

    float learningRate();

    /** The same optimizer with another learning rate (what a {@link LearningRateSchedule} applies). */
    Optimizer withLearningRate(float learningRate);

    /** Plain SGD, TF's {@code GradientDescentOptimizer}. */
    static Sgd sgd(float learningRate) {
        return new Sgd(learningRate, 0f, false);
    }

    /** SGD with (heavy-ball) momentum: {@code v = m·v + g; p -= lr·v}. */
    static Sgd momentum(float learningRate, float momentum) {
        return new Sgd(learningRate, momentum, false);
    }

    /** SGD with Nesterov momentum: {@code v = m·v + g; p -= lr·(g + m·v)}. */
    static Sgd nesterov(float learningRate, float momentum) {
        return new Sgd(learningRate, momentum, true);
    }

    /** Adam with the usual defaults (β1 0.9, β2 0.999, ε 1e-7 as in Keras). */
    static Adam adam(float learningRate) {
        return new Adam(learningRate, 0.9f, 0.999f, 1e-7f);
    }

    /** Stochastic gradient descent, optionally with momentum. */
    record Sgd(float learningRate, float momentum, boolean nesterov) implements Optimizer {
        public Sgd {
            check(learningRate > 0 && Float.isFinite(learningRate), "learning rate", learningRate);
            check(momentum >= 0 && momentum < 1, "momentum", momentum);
            check(!nesterov || momentum > 0, "momentum (Nesterov needs one)", momentum);
        }

        @Override
        public Sgd withLearningRate(float learningRate) {
            return new Sgd(learningRate, momentum, nesterov);
        }
    }

    /** Adam (Kingma and Ba), bias-corrected. */
    record Adam(float learningRate, float beta1, float beta2, float epsilon) implements Optimizer {
        public Adam {
            check(learningRate > 0 && Float.isFinite(learningRate), "learning rate", learningRate);
            check(beta1 >= 0 && beta1 < 1, "beta1", beta1);
            check(beta2 >= 0 && beta2 < 1, "beta2", beta2);
            check(epsilon > 0, "epsilon", epsilon);
        }

        @Override
        public Adam withLearningRate(float learningRate) {
            return new Adam(learningRate, beta1, beta2, epsilon);
        }
    }

    private static void check(boolean ok, String what, float value) {
        if (!ok) {
            throw new IllegalArgumentException("optimizer " + what + " out of range: " + value);
        }
    }
}
