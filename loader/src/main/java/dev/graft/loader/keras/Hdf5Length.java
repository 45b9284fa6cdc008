package dev.graft.loader.keras;

import dev.graft.loader.ModelFileException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Checks an HDF5 file's length against the end-of-file address its superblock records. The HDF5 library
 * truncates a file to that address when it closes it, so a different length means bytes were cut,
 * inserted or appended: for the raw weight data, which HDF5 stores without a checksum, that is the only
 * integrity check there is (a changed byte in place is not detectable at all).
 */
final class Hdf5Length {

    /** Bytes read to find the superblock (at 0, 512 or 1024 after a user block). */
    private static final int HEAD = 2048;
    private static final byte[] SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    private Hdf5Length() {
    }

    /** Checks the HDF5 file {@code file}. */
    static void check(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(HEAD);
        }
        check(file, null, head, Files.size(file));
    }

    /** Checks an HDF5 file held in memory ({@code item}: the entry of {@code file} it came from). */
    static void check(Path file, String item, byte[] bytes) throws ModelFileException {
        check(file, item, bytes.length > HEAD ? Arrays.copyOf(bytes, HEAD) : bytes, bytes.length);
    }

    /** {@code head}: the file's first bytes (at least 64 when the file has them); {@code size}: its length. */
    private static void check(Path file, String item, byte[] head, long size) throws ModelFileException {
        // The superblock sits at 0, 512, 1024, ... (after a user block); Keras files have it at 0.
        for (int at = 0; at + 64 <= head.length; at = at == 0 ? 512 : at * 2) {
            if (startsWith(head, at)) {
                long end = endOfFile(file, item, head, at);
                if (end >= 0 && end != size) {
                    throw new ModelFileException(file, item, "HDF5 file is " + size + " bytes but its superblock says "
                            + "it ends at byte " + end + ": truncated, or bytes inserted or appended (damaged file)");
                }
                return;
            }
        }
    }

    private static long endOfFile(Path file, String item, byte[] b, int at) throws ModelFileException {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int version = b[at + 8] & 0xFF;
        int offsets;
        int baseAt;
        int eofAt;
        switch (version) {
            case 0, 1 -> {
                offsets = b[at + 13] & 0xFF;
                baseAt = at + (version == 0 ? 24 : 28);
                eofAt = baseAt + 2 * offsets;
            }
            case 2, 3 -> {
                offsets = b[at + 9] & 0xFF;
                baseAt = at + 12;
                eofAt = baseAt + 2 * offsets;
            }
            default -> {
                return -1; // a newer superblock: left to the HDF5 reader
            }
        }
        if (offsets != 8 || eofAt + 8 > b.length) {
            return -1;
        }
        long base = buf.getLong(baseAt);
        long eof = buf.getLong(eofAt);
        if (base < 0 || eof < 0 || base > Long.MAX_VALUE - eof) {
            throw new ModelFileException(file, item, "HDF5 superblock holds impossible addresses (damaged file)");
        }
        return base + eof;
    }

    private static boolean startsWith(byte[] b, int at) {
        for (int i = 0; i < SIGNATURE.length; i++) {
            if (b[at + i] != SIGNATURE[i]) {
                return false;
            }
        }
        return true;
    }
}
