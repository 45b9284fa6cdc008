package dev.graft.train;

import java.util.List;

/** Fans a {@link Trainer}'s events out to every listener. */
record Broadcast(List<TrainingListener> listeners) implements TrainingListener {
    @Override public void onTrainingStart(TrainingControl control) { listeners.forEach(l -> l.onTrainingStart(control)); }
    @Override public void onEpochStart(int epoch, int batches) { listeners.forEach(l -> l.onEpochStart(epoch, batches)); }
    @Override public void onBatch(int epoch, int batch, int batches, int samples, double meanLoss) {
        for (TrainingListener l : listeners) { // every step: a plain loop allocates no lambda
            l.onBatch(epoch, batch, batches, samples, meanLoss);
        }
    }
    @Override public void onEpochEnd(EpochStats stats) { listeners.forEach(l -> l.onEpochEnd(stats)); }
    @Override public void onFeatures(FeaturesEvent event) { listeners.forEach(l -> l.onFeatures(event)); }
    @Override public void onCacheDiscarded(CacheDiscardedEvent event) { listeners.forEach(l -> l.onCacheDiscarded(event)); }
}
