package dev.graft.tf;

import dev.graft.spi.DeviceBuffer;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.types.TFloat32;

/**
 * A {@link DeviceBuffer} of the TF backend: one flat {@code float32} TF tensor in native memory.
 * Kernels feed it to TF as is (no copy in) and view its first {@code rows × cols} values.
 */
final class TfBuffer implements DeviceBuffer {

    private final TfBackend owner;
    private final long length;
    private TFloat32 tensor;
    private FloatDataBuffer data;

    TfBuffer(TfBackend owner, long length) {
        if (length < 0) {
            throw new IllegalArgumentException("buffer length must be >= 0, got " + length);
        }
        this.owner = owner;
        this.length = length;
        this.tensor = TFloat32.tensorOf(Shape.of(length));
        this.data = tensor.asRawTensor().data().asFloats();
        float[] zeros = new float[(int) Math.min(length, 1 << 16)];
        for (long at = 0; at < length; at += zeros.length) {
            int n = (int) Math.min(zeros.length, length - at);
            data.offset(at).write(zeros, 0, n);
        }
    }

    @Override
    public long length() {
        return length;
    }

    TfBackend owner() {
        return owner;
    }

    /** The backing tensor, to feed to a session; valid until {@link #close()}. */
    TFloat32 tensor() {
        if (tensor == null) {
            throw new IllegalStateException("TF buffer of " + length + " floats is closed");
        }
        return tensor;
    }

    /** Host view of the tensor's memory. */
    FloatDataBuffer data() {
        tensor();
        return data;
    }

    void checkRange(long offset, long count, String what) {
        if (offset < 0 || count < 0 || offset + count > length) {
            throw new IndexOutOfBoundsException(what + ": floats [" + offset + ", " + (offset + count)
                    + ") out of a buffer of " + length);
        }
    }

    @Override
    public void close() {
        if (tensor != null) {
            tensor.close();
            tensor = null;
            data = null;
            owner.forget(this);
        }
    }
}
