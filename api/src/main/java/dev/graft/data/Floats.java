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
}
