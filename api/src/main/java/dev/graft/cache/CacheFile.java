package dev.graft.cache;

import dev.graft.io.TempFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The on-disk format of one cache entry (little-endian):
 *
 * <pre>
 *   0  magic "GRAFTBNK"        8  format version (1)    12  storage code (1 fp32, 2 fp16)
 *  16  rows (long)            24  cols                  28  0
 *  32  key, 64 ASCII hex digits
 *  96  payload bytes (long)  104  CRC32C of the payload 108..124 zero
 * 124  CRC32C of bytes 0..124
 * 128  payload: rows × cols values, row-major
 * </pre>
 *
 * Files are written to a temporary file in the same directory and renamed into place once complete,
 * so a reader sees either nothing or a whole file; {@link #open} checks everything above, including
 * the payload checksum, before any value is served.
 */
final class CacheFile {

    static final int HEADER = 128;
    static final int VERSION = 1;
    static final String SUFFIX = ".bnk";
    private static final byte[] MAGIC = "GRAFTBNK".getBytes(StandardCharsets.US_ASCII);

    private CacheFile() {
    }

    /** A file that cannot be used; the message says why. */
    static final class Invalid extends IOException {
        Invalid(String message) {
            super(message);
        }
    }

    /** A parsed, self-consistent header. */
    record Header(String key, Storage storage, long rows, int cols, long payloadBytes, int payloadCrc) {
    }

    static Header readHeader(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < HEADER) {
            throw new Invalid("truncated: " + size + " bytes, shorter than the " + HEADER + "-byte header");
        }
        ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        while (h.hasRemaining()) {
            if (ch.read(h, h.position()) < 0) {
                throw new Invalid("truncated while reading the header");
            }
        }
        byte[] magic = Arrays.copyOf(h.array(), MAGIC.length);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new Invalid("not a Graft bottleneck cache file (magic " + new String(magic, StandardCharsets.ISO_8859_1) + ")");
        }
        CRC32C crc = new CRC32C();
        crc.update(h.array(), 0, HEADER - 4);
        if ((int) crc.getValue() != h.getInt(HEADER - 4)) {
            throw new Invalid("header checksum mismatch");
        }
        int version = h.getInt(8);
        if (version != VERSION) {
            throw new Invalid("format version " + version + "; this Graft reads version " + VERSION);
        }
        Storage storage = Storage.ofCode(h.getInt(12));
        if (storage == null) {
            throw new Invalid("unknown storage code " + h.getInt(12));
        }
        long rows = h.getLong(16);
        int cols = h.getInt(24);
        String key = new String(h.array(), 32, 64, StandardCharsets.US_ASCII);
        long payload = h.getLong(96);
        if (rows < 0 || cols <= 0 || payload != rows * cols * storage.bytesPerValue()) {
            throw new Invalid("inconsistent header: " + rows + " x " + cols + " " + storage + " in " + payload + " bytes");
        }
        return new Header(key, storage, rows, cols, payload, h.getInt(104));
    }

    /**
     * Maps {@code file} after checking that it holds entry {@code key} as {@code rows × cols}
     * {@code storage} values, is complete, and matches its payload checksum.
     *
     * @throws Invalid saying what is wrong with the file
     * @throws java.nio.file.NoSuchFileException if it is absent
     */
    static MappedFeatures open(Path file, String key, Storage storage, int rows, int cols) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header h = readHeader(ch);
            if (!h.key().equals(key)) {
                throw new Invalid("foreign entry: the header holds key " + h.key());
            }
            if (h.storage() != storage || h.rows() != rows || h.cols() != cols) {
                throw new Invalid("holds " + h.rows() + " x " + h.cols() + " " + h.storage() + ", expected "
                        + rows + " x " + cols + " " + storage);
            }
            long expected = HEADER + h.payloadBytes();
            if (ch.size() != expected) {
                throw new Invalid((ch.size() < expected ? "truncated: " : "trailing bytes: ") + ch.size()
                        + " bytes, the header promises " + expected);
            }
            MappedFeatures features = MappedFeatures.map(ch, file, storage, rows, cols);
            int actual = features.checksum();
            if (actual != h.payloadCrc()) {
                throw new Invalid(String.format("payload checksum mismatch: stored %08x, computed %08x", h.payloadCrc(), actual));
            }
            return features;
        }
    }

    /** Starts writing entry {@code key} to a temporary file beside {@code target}. */
    static Writer create(Path target, String key, Storage storage, int rows, int cols) throws IOException {
        return new Writer(target, key, storage, rows, cols);
    }

    /** Streams rows into a temporary file, then publishes it by an atomic rename. */
    static final class Writer {
        private final Path target;
        private final Path temp;
        private final String key;
        private final Storage storage;
        private final int rows;
        private final int cols;
        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        private final CRC32C crc = new CRC32C();
        private long values;

        private Writer(Path target, String key, Storage storage, int rows, int cols) throws IOException {
            this.target = target;
            this.key = key;
            this.storage = storage;
            this.rows = rows;
            this.cols = cols;
            this.temp = TempFiles.createFile(target);
            this.channel = FileChannel.open(temp, StandardOpenOption.READ, StandardOpenOption.WRITE);
            channel.position(HEADER);
        }

        void write(float[] src, int offset, int count) throws IOException {
            int n = count * cols;
            for (int i = 0; i < n; i++) {
                if (buffer.remaining() < Float.BYTES) {
                    flush();
                }
                float v = src[offset + i];
                if (storage == Storage.FP32) {
                    buffer.putFloat(v);
                } else {
                    if (!Half.fits(v)) {
                        throw HalfOverflow.at(v, (values + i) / cols, (int) ((values + i) % cols));
                    }
                    buffer.putShort(Half.fromFloat(v));
                }
            }
            values += n;
        }

        private void flush() throws IOException {
            buffer.flip();
            crc.update(buffer.duplicate());
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            buffer.clear();
        }

        /** Completes the file, renames it into place and maps it. */
        MappedFeatures commit() throws IOException {
            if (values != (long) rows * cols) {
                throw new IllegalStateException("entry " + key + " has " + values + " of " + (long) rows * cols + " values");
            }
            flush();
            ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            h.put(MAGIC).putInt(VERSION).putInt(storage.code()).putLong(rows).putInt(cols).putInt(0);
            h.put(key.getBytes(StandardCharsets.US_ASCII));
            h.putLong(values * storage.bytesPerValue()).putInt((int) crc.getValue());
            CRC32C headerCrc = new CRC32C();
            headerCrc.update(h.array(), 0, HEADER - 4);
            h.putInt(HEADER - 4, (int) headerCrc.getValue());
            h.clear();
            while (h.hasRemaining()) {
                channel.write(h, h.position());
            }
            channel.force(true);
            MappedFeatures features = MappedFeatures.map(channel, target, storage, rows, cols);
            channel.close();
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return features;
        }

        void abort() {
            try {
                channel.close();
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                PrefixFeaturizer.LOG.log(System.Logger.Level.WARNING, "could not delete temporary cache file " + temp, e);
            }
        }
    }
}
