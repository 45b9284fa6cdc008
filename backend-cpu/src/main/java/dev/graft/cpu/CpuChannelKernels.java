package dev.graft.cpu;

import java.nio.FloatBuffer;

/**
 * The CPU's own {@link dev.graft.spi.ChannelKernels}: per-channel scale and shift, and per-channel
 * dot products, staged through {@link CpuScratch} in chunks of whole rows with the channel vectors
 * tiled to the chunk's shape, so each loop is a flat, vectorisable pass (no per-call allocation).
 */
final class CpuChannelKernels {

    private CpuChannelKernels() {
    }

    /** {@code x[r, c] = x[r, c] · scale[c] + shift[c]}; {@code shift} may be null. */
    static void scaleShift(FloatBuffer x, FloatBuffer scale, FloatBuffer shift, int rows, int cols, CpuScratch s) {
        int perChunk = s.rowsPerChunk(cols);
        float[] xa = s.a;
        float[] sa = s.c;
        float[] ba = s.d;
        int tiled = Math.min(perChunk, rows) * cols;
        scale.get(0, sa, 0, cols);
        if (shift != null) {
            shift.get(0, ba, 0, cols);
        } else {
            java.util.Arrays.fill(ba, 0, cols, 0f);
        }
        for (int off = cols; off < tiled; off += cols) {
            System.arraycopy(sa, 0, sa, off, cols);
            System.arraycopy(ba, 0, ba, off, cols);
        }
        scaleShiftChunks(x, x, rows, cols, perChunk, sa, ba, xa);
    }

    /**
     * {@code y[r, c] = x[r, c] · a[c] + b[c]}, {@code perChunk} rows at a time staged in {@code xs},
     * with {@code a} and {@code b} already repeated over {@code perChunk} rows; {@code y} may be {@code x}.
     */
    static void scaleShiftChunks(FloatBuffer x, FloatBuffer y, int rows, int cols, int perChunk, float[] a, float[] b,
                                 float[] xs) {
        for (int r0 = 0; r0 < rows; r0 += perChunk) {
            int len = Math.min(perChunk, rows - r0) * cols;
            x.get(r0 * cols, xs, 0, len);
            for (int i = 0; i < len; i++) {
                xs[i] = xs[i] * a[i] + b[i];
            }
            y.put(r0 * cols, xs, 0, len);
        }
    }

    /** {@code out[c] = Σ_r a[r, c] · b[r, c]}: products summed into a chunk-shaped float tile, folded into columns in double. */
    static void columnDots(FloatBuffer a, FloatBuffer b, int rows, int cols, FloatBuffer out, CpuScratch s) {
        int perChunk = s.rowsPerChunk(cols);
        float[] aa = s.a;
        float[] ba = s.b;
        float[] tile = s.floatAccumulators(perChunk * cols);
        for (int r0 = 0; r0 < rows; r0 += perChunk) {
            int len = Math.min(perChunk, rows - r0) * cols;
            a.get(r0 * cols, aa, 0, len);
            b.get(r0 * cols, ba, 0, len);
            for (int i = 0; i < len; i++) {
                tile[i] += aa[i] * ba[i];
            }
        }
        double[] acc = s.accumulators(cols);
        for (int r = 0; r < Math.min(perChunk, rows); r++) {
            for (int j = 0; j < cols; j++) {
                acc[j] += tile[r * cols + j];
            }
        }
        for (int j = 0; j < cols; j++) {
            out.put(j, (float) acc[j]);
        }
    }
}
