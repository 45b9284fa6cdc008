package dev.graft.data;

import java.security.MessageDigest;

/**
 * How a {@link Dataset} holds its feature matrix: plain floats, or unsigned bytes read as
 * {@code v / 255} (images), which take a quarter of the memory and need no float conversion of
 * the whole set when it is read.
 */
sealed interface FeatureStore permits FeatureStore.Floats32, FeatureStore.Pixels, FeatureStore.NormalizedPixels {

    /** Number of feature values. */
    int length();

    /** Copies row {@code row} ({@code width} values) into {@code dst[offset..]} as floats. */
    void copyRow(int row, int width, float[] dst, int offset);

    /** The rows at {@code rows}, in that order, as a new store of the same kind. */
    FeatureStore select(int[] rows, int width);

    /** Every value as a new float array. */
    float[] toFloats();

    /** Feeds the stored values (and the storage kind) into {@code digest}. */
    void digest(MessageDigest digest);

    /** Index of the first non-finite value, or -1. */
    int firstNonFinite();

    /** Float features. */
    record Floats32(float[] values) implements FeatureStore {
        @Override public int length() { return values.length; }

        @Override public void copyRow(int row, int width, float[] dst, int offset) {
            System.arraycopy(values, row * width, dst, offset, width);
        }

        @Override public FeatureStore select(int[] rows, int width) {
            float[] out = new float[Math.multiplyExact(rows.length, width)];
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(values, rows[i] * width, out, i * width, width);
            }
            return new Floats32(out);
        }

        @Override public float[] toFloats() { return values.clone(); }

        @Override public void digest(MessageDigest digest) {
            dev.graft.data.Floats.digest(digest, values);
        }

        @Override public int firstNonFinite() {
            for (int i = 0; i < values.length; i++) {
                if (!Float.isFinite(values[i])) {
                    return i;
                }
            }
            return -1;
        }
    }

    /** Unsigned 8-bit values presented as {@code v / 255}. */
    record Pixels(byte[] values) implements FeatureStore {
        @Override public int length() { return values.length; }

        /**
         * {@code v / 255f} for every byte value, so a row is a table lookup per value: the same floats,
         * without a conversion and a division per value (C2 in JDK 17 vectorises neither from bytes).
         */
        private static final float[] SCALED = scaled();

        private static float[] scaled() {
            float[] table = new float[256];
            for (int v = 0; v < 256; v++) {
                table[v] = v / 255f;
            }
            return table;
        }

        @Override public void copyRow(int row, int width, float[] dst, int offset) {
            int base = row * width;
            for (int j = 0; j < width; j++) {
                dst[offset + j] = SCALED[values[base + j] & 0xFF];
            }
        }

        @Override public FeatureStore select(int[] rows, int width) {
            byte[] out = new byte[Math.multiplyExact(rows.length, width)];
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(values, rows[i] * width, out, i * width, width);
            }
            return new Pixels(out);
        }

        @Override public float[] toFloats() {
            float[] out = new float[values.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = SCALED[values[i] & 0xFF];
            }
            return out;
        }

        @Override public void digest(MessageDigest digest) {
            digest.update((byte) 'u');
            digest.update(values);
        }

        @Override public int firstNonFinite() { return -1; }
    }

    /**
     * Unsigned 8-bit values of interleaved ({@code HWC}) images presented as
     * {@code v / divisor[c] - subtract[c]} in float32 for channel {@code c}: a preprocessing preset
     * ({@code [-1, 1]}, caffe mean subtraction) applied as rows are read, so the bytes stay a quarter
     * of the floats' size. The arithmetic is the order Keras' {@code preprocess_input} uses, so the
     * values are bit for bit the ones Keras computes from the same bytes.
     */
    record NormalizedPixels(byte[] values, float[] divisor, float[] subtract, float[] table) implements FeatureStore {

        /**
         * {@code table[c·256 + v] = v / divisor[c] - subtract[c]}, computed once with the same float
         * operations, so reading a value is a lookup instead of a conversion, a division and (for the
         * channel) a remainder.
         */
        static NormalizedPixels of(byte[] values, float[] divisor, float[] subtract) {
            float[] table = new float[divisor.length * 256];
            for (int c = 0; c < divisor.length; c++) {
                for (int v = 0; v < 256; v++) {
                    table[c * 256 + v] = v / divisor[c] - subtract[c];
                }
            }
            return new NormalizedPixels(values, divisor, subtract, table);
        }

        @Override public int length() { return values.length; }

        @Override public void copyRow(int row, int width, float[] dst, int offset) {
            lookUp(values, row * width, width, dst, offset);
        }

        /** Values {@code [from, from + n)} into {@code dst[offset..]}; the channel is the index within a row modulo the channels. */
        private void lookUp(byte[] src, int from, int n, float[] dst, int offset) {
            int channels = divisor.length;
            int c = 0;
            for (int j = 0; j < n; j++) {
                dst[offset + j] = table[(c << 8) | (src[from + j] & 0xFF)];
                if (++c == channels) {
                    c = 0;
                }
            }
        }

        @Override public FeatureStore select(int[] rows, int width) {
            return new NormalizedPixels(((Pixels) new Pixels(values).select(rows, width)).values(), divisor, subtract, table);
        }

        @Override public float[] toFloats() {
            float[] out = new float[values.length];
            lookUp(values, 0, values.length, out, 0);
            return out;
        }

        @Override public void digest(MessageDigest digest) {
            digest.update((byte) 'n');
            digest.update((java.util.Arrays.toString(divisor) + java.util.Arrays.toString(subtract))
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            digest.update(values);
        }

        @Override public int firstNonFinite() { return -1; }
    }
}
