package dev.graft.loader.keras;

import dev.graft.loader.Bytes;
import io.jhdf.checksum.JenkinsLookup3HashLittle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns a hard link in a jhdf-written HDF5 file into a soft link, in place, for tests: jhdf cannot write
 * soft links, and the files Keras users meet can hold them (or, damaged, a cycle of them). Follows the
 * HDF5 format: a v2 object header ("OHDR") holds link messages (type 6), and its Jenkins lookup3
 * checksum is recomputed so the file is damaged only in the way the test means. The new message must
 * have the old one's size, so the target path may be 2 to 6 bytes long.
 */
final class Hdf5Patch {

    private Hdf5Patch() {
    }

    static byte[] softLink(byte[] file, String linkName, String target) {
        byte[] name = linkName.getBytes(StandardCharsets.UTF_8);
        byte[] path = target.getBytes(StandardCharsets.UTF_8);
        // What jhdf writes for a hard link: version 1, flags 0x10 (charset present), UTF-8, 1-byte name length.
        byte[] hard = new byte[4 + name.length];
        hard[0] = 1;
        hard[1] = 0x10;
        hard[2] = 1;
        hard[3] = (byte) name.length;
        System.arraycopy(name, 0, hard, 4, name.length);
        int at = Bytes.indexOf(file, hard);
        if (at < 4 || file[at - 4] != 6) {
            throw new IllegalArgumentException("no hard link message for '" + linkName + "'");
        }
        int size = hard.length + 8;
        ByteBuffer body = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        // Soft link: flags bit 3 (link type present) plus the name-length width and charset presence that make it fit.
        int room = size - 3 - 2 - name.length - path.length; // bytes left for charset + name length field
        int flags;
        switch (room) {
            case 2 -> flags = 0x18;          // charset + 1-byte length
            case 1 -> flags = 0x08;          // 1-byte length
            case 3 -> flags = 0x18 | 0x01;   // charset + 2-byte length
            case 4 -> flags = 0x08 | 0x02;   // 4-byte length
            case 5 -> flags = 0x18 | 0x02;   // charset + 4-byte length
            default -> throw new IllegalArgumentException("target of " + path.length + " bytes does not fit");
        }
        body.put((byte) 1).put((byte) flags).put((byte) 1);
        if ((flags & 0x10) != 0) {
            body.put((byte) 1);
        }
        switch (flags & 3) {
            case 0 -> body.put((byte) name.length);
            case 1 -> body.putShort((short) name.length);
            default -> body.putInt(name.length);
        }
        body.put(name).putShort((short) path.length).put(path);
        byte[] out = file.clone();
        System.arraycopy(body.array(), 0, out, at, size);
        rechecksum(out, at);
        return out;
    }

    /** Replaces a dataset's dimensions {@code from} (stored as 8-byte little-endian sizes) by {@code to}. */
    static byte[] dims(byte[] file, long[] from, long[] to) {
        ByteBuffer old = ByteBuffer.allocate(8 * from.length).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer neu = ByteBuffer.allocate(8 * to.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < from.length; i++) {
            old.putLong(from[i]);
            neu.putLong(to[i]);
        }
        int at = Bytes.indexOf(file, old.array());
        if (at < 0) {
            throw new IllegalArgumentException("dimensions not found");
        }
        byte[] out = file.clone();
        System.arraycopy(neu.array(), 0, out, at, neu.capacity());
        rechecksum(out, at);
        return out;
    }

    private static void rechecksum(byte[] b, int inside) {
        int start = inside;
        while (!(b[start] == 'O' && b[start + 1] == 'H' && b[start + 2] == 'D' && b[start + 3] == 'R')) {
            start--;
        }
        int flags = b[start + 5] & 0xFF;
        int p = start + 6 + ((flags & 0x20) != 0 ? 16 : 0) + ((flags & 0x10) != 0 ? 4 : 0);
        int width = 1 << (flags & 3);
        long chunk = 0;
        for (int i = 0; i < width; i++) {
            chunk |= (long) (b[p + i] & 0xFF) << (8 * i);
        }
        int end = p + width + (int) chunk;
        int sum = JenkinsLookup3HashLittle.hash(Arrays.copyOfRange(b, start, end));
        ByteBuffer.wrap(b, end, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(sum);
    }
}
