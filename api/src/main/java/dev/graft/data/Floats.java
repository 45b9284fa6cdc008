package dev.graft.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;

/** Little-endian float helpers shared by digests and file formats. */
public final class Floats {

    private Floats() {
    }

    /** Feeds {@code values} into {@code digest} as little-endian IEEE-754 bytes, without one big copy. */
    public static void digest(MessageDigest digest, float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(Math.max(1, Math.min(values.length, 1 << 14)) * Float.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < values.length; ) {
            int n = Math.min(values.length - i, bytes.capacity() / Float.BYTES);
            bytes.clear();
            bytes.asFloatBuffer().put(values, i, n);
            digest.update(bytes.array(), 0, n * Float.BYTES);
            i += n;
        }
    }

    /** Feeds the floats between {@code values}' position and limit into {@code digest}, little-endian; the position is not moved. */
    public static void digest(MessageDigest digest, java.nio.FloatBuffer values) {
        java.nio.FloatBuffer src = values.duplicate();
        ByteBuffer bytes = ByteBuffer.allocate(Math.max(1, Math.min(src.remaining(), 1 << 14)) * Float.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN);
        while (src.hasRemaining()) {
            int n = Math.min(src.remaining(), bytes.capacity() / Float.BYTES);
            bytes.clear();
            java.nio.FloatBuffer slice = src.slice();
            slice.limit(n);
            bytes.asFloatBuffer().put(slice);
            src.position(src.position() + n);
            digest.update(bytes.array(), 0, n * Float.BYTES);
        }
    }
}
