package dev.graft.cuda;

import dev.graft.spi.DeviceBuffer;

/**
 * Floats in GPU memory, owned by the {@link CudaBackend} that allocated them: closing frees the
 * memory now (cudaFree), closing twice or after the backend is harmless, and using a closed buffer
 * is an error rather than a crash.
 */
public final class CudaBuffer implements DeviceBuffer {

    private final CudaBackend owner;
    private final long address;
    private final long length;
    private boolean closed;

    CudaBuffer(CudaBackend owner, long address, long length) {
        this.owner = owner;
        this.address = address;
        this.length = length;
    }

    @Override
    public long length() {
        return length;
    }

    /** The device address of element {@code offset}. */
    long address(long offset) {
        if (closed) {
            throw new IllegalStateException("CUDA buffer of " + length + " floats used after close");
        }
        return address + 4L * offset;
    }

    long baseAddress() {
        return address;
    }

    CudaBackend owner() {
        return owner;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            owner.release(this);
        }
    }

    @Override
    public String toString() {
        return "CudaBuffer[" + length + " floats" + (closed ? ", closed" : "") + "]";
    }
}
