package dev.graft.loader.tf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Writes a LevelDB-format table (uncompressed, restart interval 16, ~4 KiB data blocks) the way
 * TensorFlow's table builder lays it out, so TF and {@link TableReader} both read it.
 */
final class TableWriter {

    private static final int RESTART_INTERVAL = 16;
    private static final int BLOCK_SIZE = 4096;

    private TableWriter() {
    }

    /** The table's bytes for {@code entries}, which must be in byte-wise key order. */
    static byte[] write(SortedMap<String, byte[]> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BlockBuilder data = new BlockBuilder();
        BlockBuilder index = new BlockBuilder();
        byte[] lastKey = null;
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            byte[] key = e.getKey().getBytes(StandardCharsets.UTF_8);
            data.add(key, e.getValue());
            lastKey = key;
            if (data.size() >= BLOCK_SIZE) {
                index.add(lastKey, handle(writeBlock(out, data)));
                data = new BlockBuilder();
            }
        }
        if (!data.isEmpty() || lastKey == null) {
            long[] h = writeBlock(out, data);
            index.add(lastKey == null ? new byte[0] : lastKey, handle(h));
        }
        long[] meta = writeBlock(out, new BlockBuilder());
        long[] idx = writeBlock(out, index);
        ByteArrayOutputStream footer = new ByteArrayOutputStream();
        putVarint(footer, meta[0]);
        putVarint(footer, meta[1]);
        putVarint(footer, idx[0]);
        putVarint(footer, idx[1]);
        while (footer.size() < TableReader.FOOTER_LENGTH - 8) {
            footer.write(0);
        }
        putFixed64(footer, TableReader.MAGIC);
        out.writeBytes(footer.toByteArray());
        return out.toByteArray();
    }

    private static byte[] handle(long[] offsetSize) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        putVarint(b, offsetSize[0]);
        putVarint(b, offsetSize[1]);
        return b.toByteArray();
    }

    private static long[] writeBlock(ByteArrayOutputStream out, BlockBuilder block) {
        byte[] contents = block.finish();
        long offset = out.size();
        out.writeBytes(contents);
        byte[] withType = new byte[contents.length + 1];
        System.arraycopy(contents, 0, withType, 0, contents.length);
        out.write(0);
        putFixed32(out, Crc32c.maskedOf(withType, 0, withType.length));
        return new long[] {offset, contents.length};
    }

    static void putVarint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    static void putFixed32(ByteArrayOutputStream out, int v) {
        for (int i = 0; i < 4; i++) {
            out.write(v >>> (8 * i));
        }
    }

    private static void putFixed64(ByteArrayOutputStream out, long v) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)));
        }
    }

    /** Prefix-compressed entries with a restart point every {@link #RESTART_INTERVAL} keys. */
    private static final class BlockBuilder {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final List<Integer> restarts = new ArrayList<>(List.of(0));
        private byte[] last = new byte[0];
        private int counter;
        private boolean empty = true;

        void add(byte[] key, byte[] value) {
            int shared = 0;
            if (counter < RESTART_INTERVAL) {
                int max = Math.min(last.length, key.length);
                while (shared < max && last[shared] == key[shared]) {
                    shared++;
                }
            } else {
                restarts.add(buf.size());
                counter = 0;
            }
            putVarint(buf, shared);
            putVarint(buf, key.length - shared);
            putVarint(buf, value.length);
            buf.write(key, shared, key.length - shared);
            buf.writeBytes(value);
            last = key;
            counter++;
            empty = false;
        }

        int size() { return buf.size(); }

        boolean isEmpty() { return empty; }

        byte[] finish() {
            for (int r : restarts) {
                putFixed32(buf, r);
            }
            putFixed32(buf, restarts.size());
            return buf.toByteArray();
        }
    }
}
