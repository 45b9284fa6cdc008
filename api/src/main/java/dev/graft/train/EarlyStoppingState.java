package dev.graft.train;

/** Early stopping's bookkeeping, fed one epoch at a time (and replayed from a checkpoint's epochs). */
final class EarlyStoppingState {

    private final EarlyStopping rule;
    private double bestScore = Double.NEGATIVE_INFINITY;
    private int bestEpoch;
    private int sinceBest;

    EarlyStoppingState(EarlyStopping rule) {
        this.rule = rule;
    }

    /** Records an epoch; returns whether it is the new best. */
    boolean improved(EpochStats stats) {
        if (rule == null) {
            return false;
        }
        double score = rule.score(stats);
        if (score > bestScore + rule.minDelta()) {
            bestScore = score;
            bestEpoch = stats.epoch();
            sinceBest = 0;
            return true;
        }
        sinceBest++;
        return false;
    }

    /** Whether patience has run out. */
    boolean exhausted() {
        return rule != null && sinceBest >= rule.patience();
    }

    int bestEpoch() {
        return bestEpoch;
    }
}
