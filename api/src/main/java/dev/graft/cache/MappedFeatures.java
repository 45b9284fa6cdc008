package dev.graft.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Features read straight from a memory-mapped cache file: nothing is copied onto the heap beyond
 * the rows asked for. Files above 1 GiB are mapped in segments of whole rows (a single mapping is
 * limited to 2 GiB). The mapping is released when this object is garbage-collected (Java 17 has
 * no explicit unmap); it is page cache, not heap, and the OS pages it in and out as needed.
 */
final class MappedFeatures implements FeatureSource {

    private static final long SEGMENT_BYTES = 1L << 30;

    private final Path file;
    private final Storage storage;
    private final int rows;
    private final int cols;
    private final int rowsPerSegment;
    private final ByteBuffer[] segments;
    private final FloatBuffer[] floats;
    private final ShortBuffer[] halves;

    private MappedFeatures(Path file, Storage storage, int rows, int cols, int rowsPerSegment, ByteBuffer[] segments) {
        this.file = file;
        this.storage = storage;
        this.rows = rows;
        this.cols = cols;
        this.rowsPerSegment = rowsPerSegment;
        this.segments = segments;
        this.floats = new FloatBuffer[segments.length];
        this.halves = new ShortBuffer[segments.length];
        for (int i = 0; i < segments.length; i++) {
            if (storage == Storage.FP32) {
                floats[i] = segments[i].asFloatBuffer();
            } else {
                halves[i] = segments[i].asShortBuffer();
            }
        }
    }

    /** Maps the payload of an open cache file (the channel may be closed afterwards). */
    static MappedFeatures map(FileChannel ch, Path file, Storage storage, int rows, int cols) throws IOException {
        return map(ch, file, storage, rows, cols, SEGMENT_BYTES);
    }

    /** As above with a given segment size (tests use small ones to cross segment boundaries). */
    static MappedFeatures map(FileChannel ch, Path file, Storage storage, int rows, int cols, long segmentBytes)
            throws IOException {
        long rowBytes = (long) cols * storage.bytesPerValue();
        int rowsPerSegment = (int) Math.max(1, Math.min(Integer.MAX_VALUE, segmentBytes / rowBytes));
        int count = Math.max(1, (int) ((rows + (long) rowsPerSegment - 1) / rowsPerSegment));
        ByteBuffer[] segments = new ByteBuffer[count];
        for (int s = 0; s < count; s++) {
            long first = (long) s * rowsPerSegment;
            long segRows = Math.min(rowsPerSegment, rows - first);
            segments[s] = ch.map(FileChannel.MapMode.READ_ONLY, CacheFile.HEADER + first * rowBytes, segRows * rowBytes)
                    .order(ByteOrder.LITTLE_ENDIAN);
        }
        return new MappedFeatures(file, storage, rows, cols, rowsPerSegment, segments);
    }

    /** CRC32C of the payload, streamed through the mapping (no heap copy). */
    int checksum() {
        CRC32C crc = new CRC32C();
        for (ByteBuffer segment : segments) {
            crc.update(segment.duplicate());
        }
        return (int) crc.getValue();
    }

    @Override public int size() { return rows; }

    @Override public int width() { return cols; }

    @Override
    public void copyRows(int from, int count, float[] dst, int offset) {
        if (from < 0 || count < 0 || from + count > rows) {
            throw new IndexOutOfBoundsException("rows " + from + ".." + (from + count) + " of " + rows + " in " + file);
        }
        while (count > 0) {
            int segment = from / rowsPerSegment;
            int inSegment = from - segment * rowsPerSegment;
            int take = Math.min(count, rowsPerSegment - inSegment);
            int n = take * cols;
            int index = inSegment * cols;
            if (storage == Storage.FP32) {
                floats[segment].get(index, dst, offset, n);
            } else {
                ShortBuffer h = halves[segment];
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = Half.toFloat(h.get(index + i));
                }
            }
            from += take;
            count -= take;
            offset += n;
        }
    }

    @Override
    public String toString() {
        return rows + " x " + cols + " " + storage + " features mapped from " + file;
    }
}
