package dev.graft.loader.tf;

import dev.graft.loader.ModelFileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a whole LevelDB-format table (the layout of a TF V2 checkpoint's {@code .index}): footer with
 * the index-block handle, an index block pointing at data blocks, each block a run of prefix-compressed
 * key/value entries followed by its restart array and a 5-byte trailer (compression type, masked crc32c).
 * Every offset and length is checked against the bytes actually present, so a damaged file gives a
 * {@link ModelFileException}, never an index error.
 */
final class TableReader {

    static final long MAGIC = 0xdb4775248b80fb57L;
    static final int FOOTER_LENGTH = 48;
    static final int TRAILER_LENGTH = 5;
    private static final long MAX_INDEX_BYTES = 1L << 30;

    private final Path file;
    private final byte[] bytes;

    private TableReader(Path file, byte[] bytes) {
        this.file = file;
        this.bytes = bytes;
    }

    /** All key/value pairs of the table at {@code file}, in key order. */
    static Map<String, byte[]> readAll(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_INDEX_BYTES) {
            throw new ModelFileException(file, "index of " + size + " bytes is larger than any checkpoint index should be");
        }
        return new TableReader(file, Files.readAllBytes(file)).entries();
    }

    private Map<String, byte[]> entries() throws IOException {
        if (bytes.length < FOOTER_LENGTH) {
            throw notATable("only " + bytes.length + " bytes, shorter than a table footer (" + FOOTER_LENGTH + ")");
        }
        int footer = bytes.length - FOOTER_LENGTH;
        long magic = ByteBuffer.wrap(bytes, bytes.length - 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (magic != MAGIC) {
            throw notATable(String.format("footer magic is 0x%016x, expected 0x%016x", magic, MAGIC));
        }
        int[] pos = {footer};
        readHandle(pos, footer + 40, "metaindex handle");
        long[] index = readHandle(pos, footer + 40, "index handle");
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> dataBlock : block(index, "index block").entrySet()) {
            int[] p = {0};
            byte[] handleBytes = dataBlock.getValue();
            long[] handle = {varint(handleBytes, p, handleBytes.length, "data block handle"),
                    varint(handleBytes, p, handleBytes.length, "data block handle")};
            out.putAll(block(handle, "data block ending at key '" + dataBlock.getKey() + "'"));
        }
        return out;
    }

    private long[] readHandle(int[] pos, int limit, String what) throws IOException {
        return new long[] {varint(bytes, pos, limit, what), varint(bytes, pos, limit, what)};
    }

    /** Decodes one block (offset, size) after checking its trailer's compression type and crc. */
    private Map<String, byte[]> block(long[] handle, String what) throws IOException {
        long offset = handle[0];
        long size = handle[1];
        if (offset < 0 || size < 4 || offset > bytes.length || size > bytes.length
                || offset + size + TRAILER_LENGTH > bytes.length - FOOTER_LENGTH) {
            throw notATable(what + " at offset " + offset + " size " + size + " lies outside the file ("
                    + bytes.length + " bytes)");
        }
        int start = (int) offset;
        int end = (int) (offset + size);
        int type = bytes[end] & 0xFF;
        if (type != 0) {
            throw new ModelFileException(file, what + " uses compression type " + type
                    + "; only uncompressed tables (what TensorFlow writes for checkpoints) are supported");
        }
        int stored = ByteBuffer.wrap(bytes, end + 1, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int actual = Crc32c.mask(Crc32c.of(bytes, start, (int) size + 1));
        if (stored != actual) {
            throw new ModelFileException(file, what + String.format(
                    " is corrupt: crc32c 0x%08x stored, 0x%08x computed", stored, actual));
        }
        int numRestarts = ByteBuffer.wrap(bytes, end - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        long restartsStart = end - 4 - 4L * numRestarts;
        if (numRestarts < 1 || numRestarts > size / 4 || restartsStart < start) {
            throw notATable(what + " declares " + numRestarts + " restart points, impossible in " + size + " bytes");
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        byte[] key = new byte[0];
        int[] pos = {start};
        int limit = (int) restartsStart;
        while (pos[0] < limit) {
            long shared = varint(bytes, pos, limit, what);
            long unshared = varint(bytes, pos, limit, what);
            long valueLength = varint(bytes, pos, limit, what);
            if (shared < 0 || unshared < 0 || valueLength < 0 || shared > key.length
                    || unshared > limit - pos[0] || valueLength > limit - pos[0] - unshared) {
                throw notATable(what + " has an entry (shared " + shared + ", key " + unshared + ", value "
                        + valueLength + " bytes) that does not fit the block");
            }
            byte[] next = Arrays.copyOf(key, (int) (shared + unshared));
            System.arraycopy(bytes, pos[0], next, (int) shared, (int) unshared);
            pos[0] += (int) unshared;
            key = next;
            out.put(new String(key, StandardCharsets.UTF_8), Arrays.copyOfRange(bytes, pos[0], pos[0] + (int) valueLength));
            pos[0] += (int) valueLength;
        }
        return out;
    }

    /** A LevelDB varint (at most 64 bits) at {@code pos[0]}, which is advanced past it. */
    private long varint(byte[] data, int[] pos, int limit, String what) throws IOException {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= limit) {
                throw notATable(what + ": varint runs past the end of its region");
            }
            int b = data[pos[0]++] & 0xFF;
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw notATable(what + ": varint longer than 10 bytes");
    }

    private ModelFileException notATable(String why) {
        return new ModelFileException(file, "not a TensorFlow checkpoint index (LevelDB table): " + why);
    }
}
