package dev.graft.cache;

/** Features held on the heap, as floats or as fp16 bits: a {@link MemoryCache} entry. */
final class ArrayFeatures implements FeatureSource {

    private final float[] floats;
    private final short[] halves;
    private final int rows;
    private final int width;

    private ArrayFeatures(float[] floats, short[] halves, int rows, int width) {
        this.floats = floats;
        this.halves = halves;
        this.rows = rows;
        this.width = width;
    }

    static ArrayFeatures ofFloats(float[] values, int rows, int width) {
        return new ArrayFeatures(values, null, rows, width);
    }

    static ArrayFeatures ofHalves(short[] values, int rows, int width) {
        return new ArrayFeatures(null, values, rows, width);
    }

    @Override public int size() { return rows; }

    @Override public int width() { return width; }

    /** Heap bytes of the stored values. */
    long bytes() {
        return floats != null ? (long) floats.length * Float.BYTES : (long) halves.length * Short.BYTES;
    }

    @Override
    public void copyRows(int from, int count, float[] dst, int offset) {
        if (from < 0 || count < 0 || from + count > rows) {
            throw new IndexOutOfBoundsException("rows " + from + ".." + (from + count) + " of " + rows);
        }
        int start = from * width;
        int n = count * width;
        if (floats != null) {
            System.arraycopy(floats, start, dst, offset, n);
        } else {
            for (int i = 0; i < n; i++) {
                dst[offset + i] = Half.toFloat(halves[start + i]);
            }
        }
    }

    @Override
    public String toString() {
        return rows + " x " + width + (floats != null ? " fp32" : " fp16") + " features in memory";
    }
}
