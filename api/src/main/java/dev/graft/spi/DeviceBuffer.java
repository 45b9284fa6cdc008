package dev.graft.spi;

/**
 * A block of float memory owned by a {@link Backend}: host arrays, off-heap memory or GPU memory.
 * Closing it frees the memory now, not when the garbage collector gets round to it; closing twice
 * is harmless. A buffer may only be passed to the backend that allocated it.
 */
public interface DeviceBuffer extends AutoCloseable {

    /** Number of floats. */
    long length();

    @Override
    void close();
}
