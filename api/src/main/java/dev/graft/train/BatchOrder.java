package dev.graft.train;

import dev.graft.data.Dataset;
import java.util.Arrays;

/**
 * The order in which the {@link Trainer} visits training samples in an epoch (a sampler): the
 * returned indices are cut into consecutive batches. An order may repeat or leave out samples (a
 * class-balanced or weighted sampler); each epoch's order is asked for once, before its first batch.
 * The default is {@link #shuffled(long)} with the trainer's seed.
 */
@FunctionalInterface
public interface BatchOrder {

    /** The sample indices (each in {@code 0..train.size()-1}) for {@code epoch} (counting from 1). */
    int[] order(int epoch, Dataset train);

    /** A fresh seeded shuffle per epoch: the same seed gives the same batches, with or without a cache. */
    static BatchOrder shuffled(long seed) {
        return (epoch, train) -> train.shuffledOrder(seed * 31 + epoch);
    }

    /** Samples in dataset order every epoch ({@code Trainer.Builder.shuffle(false)}). */
    static BatchOrder sequential() {
        return (epoch, train) -> {
            int[] order = new int[train.size()];
            Arrays.setAll(order, i -> i);
            return order;
        };
    }

    /** The same explicit order every epoch (copied). */
    static BatchOrder fixed(int... order) {
        int[] copy = order.clone();
        return (epoch, train) -> copy.clone();
    }
}
