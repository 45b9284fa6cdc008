package dev.graft.cache;

import dev.graft.train.TrainingListener;
import java.util.Set;
import java.util.function.Supplier;

/** Where a {@link PrefixFeaturizer} keeps entries: the heap ({@link MemoryCache}) or a directory ({@link DiskCache}). */
interface EntryStore {

    /** "memory", or the entry's file path: for events and logs. */
    String describe(String key);

    /**
     * The entry if it is present and valid; null if absent. An unusable entry is reported to the
     * listener and the log, discarded, and null is returned.
     */
    FeatureSource find(String key, int rows, int cols, TrainingListener listener);

    /** Runs {@code body} while no other thread or process fills {@code key}. */
    <T> T exclusive(String key, Supplier<T> body);

    /** Starts writing an entry; it becomes visible only on {@link EntryWriter#commit()}. */
    EntryWriter create(String key, int rows, int cols);

    /** Called after entries were committed (e.g. to evict others beyond a size limit). */
    default void afterWrite(Set<String> written) {
    }

    /** Streams one entry's rows in order; nothing is visible to readers before {@link #commit()}. */
    interface EntryWriter {
        /** Appends {@code rows} rows from {@code src[offset..]}. */
        void write(float[] src, int offset, int rows);

        /** Publishes the entry (all rows must have been written) and returns it for reading. */
        FeatureSource commit();

        /** Drops a partly written entry; safe to call after a failed commit. */
        void abort();
    }
}
