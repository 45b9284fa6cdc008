package dev.graft.cache;

import dev.graft.data.Dataset;

/**
 * Rows of float features read by index: a {@link Dataset}'s features, or bottleneck features held
 * by a cache (on the heap, as fp16, or memory-mapped from a file). It lets the {@link
 * dev.graft.train.Trainer} train from a cache without first copying every row onto the heap, and
 * lets a caller featurize a source too large for a {@code Dataset} (implement {@link #copyRows}).
 * Implementations are safe for concurrent reads.
 */
public interface FeatureSource {

    /** Number of rows (samples). */
    int size();

    /** Values per row. */
    int width();

    /** Copies rows {@code [from, from + rows)} into {@code dst[offset..]}, row-major. */
    void copyRows(int from, int rows, float[] dst, int offset);

    /** Copies rows {@code order[from..to)} into {@code dst}, row-major: the batch layout a network takes. */
    default void gather(int[] order, int from, int to, float[] dst) {
        int w = width();
        for (int r = 0; r < to - from; r++) {
            copyRows(order[from + r], 1, dst, r * w);
        }
    }

    /** A view of {@code data}'s features (no copy). */
    static FeatureSource of(Dataset data) {
        return new FeatureSource() {
            @Override public int size() { return data.size(); }
            @Override public int width() { return data.width(); }
            @Override public void copyRows(int from, int rows, float[] dst, int offset) {
                int w = data.width();
                for (int r = 0; r < rows; r++) {
                    data.copyFeatures(from + r, dst, offset + r * w);
                }
            }
            @Override public String toString() { return "features of " + data; }
        };
    }
}
