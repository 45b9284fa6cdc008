package dev.graft.cpu;

import dev.graft.spi.DeviceBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Off-heap floats owned by a {@link CpuBackend}: a JavaCPP {@link FloatPointer} handed to OpenBLAS
 * without copying, and a direct {@link FloatBuffer} over the same memory for the Java kernels.
 * {@link #close()} frees the memory at once; the backend frees whatever is left when it closes.
 */
public final class CpuBuffer implements DeviceBuffer {

    final CpuBackend owner;
    private final long length;
    private FloatPointer pointer;
    private FloatBuffer data;

    CpuBuffer(CpuBackend owner, long length) {
        if (length < 0 || length > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("cpu backend buffers hold 0.." + (Integer.MAX_VALUE - 8)
                    + " floats, asked for " + length);
        }
        this.owner = owner;
        this.length = length;
        long allocated = Math.max(1, length); // a zero-length FloatPointer has no address to view
        FloatPointer p = new FloatPointer(allocated);
        Pointer.memset(p, 0, allocated * Float.BYTES);
        this.pointer = p;
        this.data = p.asBuffer();
    }

    @Override
    public long length() {
        return length;
    }

    /** Whether the memory is still allocated. */
    public boolean isOpen() {
        return pointer != null;
    }

    FloatPointer pointer() {
        FloatPointer p = pointer;
        if (p == null) {
            throw new IllegalStateException("cpu buffer of " + length + " floats was closed");
        }
        return p;
    }

    FloatBuffer data() {
        FloatBuffer d = data;
        if (d == null) {
            throw new IllegalStateException("cpu buffer of " + length + " floats was closed");
        }
        return d;
    }

    @Override
    public void close() {
        FloatPointer p = pointer;
        if (p != null) {
            pointer = null;
            data = null;
            p.close();
            owner.released(this);
        }
    }

    @Override
    public String toString() {
        return "CpuBuffer(" + length + " floats" + (pointer == null ? ", closed)" : ")");
    }
}
