package dev.graft.train;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Where the {@link Trainer} keeps periodic {@link Checkpoint}s, and where it finds one to resume
 * from (as Keras's {@code BackupAndRestore}: a run given a store that holds a checkpoint of the
 * same run continues after its epoch). {@code graft-loader}'s {@code Checkpoints.directory(dir)}
 * writes them as Graft model files plus a small state file, atomically; {@link #inMemory()} keeps
 * the last one in memory.
 *
 * <p>Implementations must replace a checkpoint atomically: a crash while saving leaves the
 * previous checkpoint readable.
 */
public interface CheckpointStore {

    /** Stores {@code checkpoint}, replacing the previous one. */
    void save(Checkpoint checkpoint) throws IOException;

    /** The stored checkpoint, if any. */
    Optional<Checkpoint> load() throws IOException;

    /** A store that keeps the last checkpoint in memory (tests; resuming within one process). */
    static CheckpointStore inMemory() {
        AtomicReference<Checkpoint> last = new AtomicReference<>();
        return new CheckpointStore() {
            @Override public void save(Checkpoint checkpoint) { last.set(checkpoint); }
            @Override public Optional<Checkpoint> load() { return Optional.ofNullable(last.get()); }
            @Override public String toString() { return "in-memory checkpoints"; }
        };
    }
}
