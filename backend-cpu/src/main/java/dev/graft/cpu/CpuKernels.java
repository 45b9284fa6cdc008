package dev.graft.cpu;

import static dev.graft.cpu.CpuScratch.CHUNK;

import dev.graft.spi.DropoutMask;
import dev.graft.spi.FusedDenseHead;
import java.nio.FloatBuffer;

/**
 * The column-sum, loss, dropout and optimizer kernels. Like {@link CpuActivations} they stage
 * L1-sized chunks through {@link CpuScratch} and run flat array loops that C2 vectorises; nothing
 * is allocated per call.
 */
final class CpuKernels {

    private CpuKernels() {
    }

    /**
     * {@code out[j] = alpha Σ_i x[i, j] + beta out[j]}. Staged chunks are added into a chunk-shaped
     * float accumulator at the same index (vectorised), whose rows are folded into the columns in
     * double at the end.
     */
    static void columnSums(FloatBuffer x, int rows, int cols, float alpha, FloatBuffer out, float beta, CpuScratch s) {
        int perChunk = s.rowsPerChunk(cols);
        float[] a = s.a;
        float[] tile = s.floatAccumulators(perChunk * cols);
        for (int r0 = 0; r0 < rows; r0 += perChunk) {
            int len = Math.min(perChunk, rows - r0) * cols;
            x.get(r0 * cols, a, 0, len);
            addInto(tile, a, len);
        }
        finishColumnSums(tile, Math.min(perChunk, rows), cols, alpha, out, beta, s);
    }

    /** {@code tile[i] += chunk[i]}: one staged chunk of rows into a column-sum tile of the same layout. */
    static void addInto(float[] tile, float[] chunk, int len) {
        for (int i = 0; i < len; i++) {
            tile[i] += chunk[i];
        }
    }

    /**
     * {@code out[j] = alpha · Σ tile[r, j] + beta · out[j]} over the tile's {@code tileRows} rows, summed in
     * double: the end of a column sum whose chunks went through {@link #addInto}.
     */
    static void finishColumnSums(float[] tile, int tileRows, int cols, float alpha, FloatBuffer out, float beta, CpuScratch s) {
        double[] acc = s.accumulators(cols);
        for (int r = 0; r < tileRows; r++) {
            for (int j = 0; j < cols; j++) {
                acc[j] += tile[r * cols + j];
            }
        }
        for (int j = 0; j < cols; j++) {
            float sum = (float) (alpha * acc[j]);
            out.put(j, beta == 0f ? sum : sum + beta * out.get(j));
        }
    }

    /** See {@link dev.graft.spi.Backend#softmaxCrossEntropy}; {@code grad} may be {@code logits} or null. */
    static double softmaxCrossEntropy(FloatBuffer logits, FloatBuffer labels, int rows, int cols,
                                      float gradScale, FloatBuffer grad, CpuScratch s) {
        if (VECTOR && cols <= CpuVectorElementwise.SPECIES.length()) {
            return CpuSoftmaxLoss.byRowVectors(logits, labels, rows, cols, gradScale, grad, s);
        }
        return CpuSoftmaxLoss.softmaxCrossEntropy(logits, labels, rows, cols, gradScale, grad, s);
    }

    /** Whether the Vector API is there ({@link CpuFusedHeads#vectorApi()}). */
    private static final boolean VECTOR = CpuFusedHeads.vectorApi();


    static int label(float value, int row, int cols) {
        int label = (int) value;
        if (label != value || label < 0 || label >= cols) {
            throw new IllegalArgumentException("label " + value + " at row " + row
                    + " is not a class index in 0.." + (cols - 1));
        }
        return label;
    }

    /** See {@link dev.graft.spi.Backend#meanSquaredError}; {@code grad} may be {@code predictions} or null. */
    static double meanSquaredError(FloatBuffer p, FloatBuffer t, int rows, int cols, float gradScale,
                                   FloatBuffer grad, CpuScratch s) {
        int perChunk = s.rowsPerChunk(cols);
        float[] pa = s.a;
        float[] ta = s.b;
        float factor = 2f / cols * gradScale;
        double loss = 0;
        for (int r0 = 0; r0 < rows; r0 += perChunk) {
            int nr = Math.min(perChunk, rows - r0);
            int len = nr * cols;
            p.get(r0 * cols, pa, 0, len);
            t.get(r0 * cols, ta, 0, len);
            for (int r = 0; r < nr; r++) {
                double rowSum = 0;
                for (int j = r * cols; j < (r + 1) * cols; j++) {
                    float d = pa[j] - ta[j];
                    rowSum += (double) d * d;
                    pa[j] = d * factor;
                }
                loss += rowSum / cols;
            }
            if (grad != null) {
                grad.put(r0 * cols, pa, 0, len);
            }
        }
        return loss;
    }

    /** Inverted dropout with the shared {@link DropoutMask} rule. */
    static void dropout(FloatBuffer x, FloatBuffer mask, int length, float rate, long seed, CpuScratch s) {
        float scale = 1f / (1f - rate);
        float[] xa = s.a;
        float[] ma = s.b;
        for (int off = 0; off < length; off += CHUNK) {
            int len = Math.min(CHUNK, length - off);
            x.get(off, xa, 0, len);
            for (int i = 0; i < len; i++) {
                float m = DropoutMask.keep(seed, off + i, rate) ? scale : 0f;
                ma[i] = m;
                xa[i] *= m;
            }
            mask.put(off, ma, 0, len);
            x.put(off, xa, 0, len);
        }
    }

    static void multiply(FloatBuffer x, FloatBuffer factor, int length, CpuScratch s) {
        float[] xa = s.a;
        float[] fa = s.b;
        for (int off = 0; off < length; off += CHUNK) {
            int len = Math.min(CHUNK, length - off);
            x.get(off, xa, 0, len);
            factor.get(off, fa, 0, len);
            for (int i = 0; i < len; i++) {
                xa[i] *= fa[i];
            }
            x.put(off, xa, 0, len);
        }
    }

    /**
     * See {@link dev.graft.spi.Backend#sgdUpdate} and {@link dev.graft.spi.Backend#adamUpdate}: the
     * formulas of {@link CpuFusedKernels#update} over chunks staged on the heap. {@code m} and {@code v}
     * are the rule's optimizer slots (SGD's velocity is {@code m}), null where it has none.
     */
    static void update(FloatBuffer p, FloatBuffer g, FloatBuffer m, FloatBuffer v, int n, float lr, float l2,
                       FusedDenseHead.UpdateRule rule, long step, CpuScratch s) {
        float lrT = CpuFusedKernels.adamRate(lr, rule, step);
        float[] pa = s.a;
        float[] ga = s.b;
        float[] ma = m == null ? null : s.c;
        float[] va = v == null ? null : s.d;
        for (int off = 0; off < n; off += CHUNK) {
            int len = Math.min(CHUNK, n - off);
            p.get(off, pa, 0, len);
            g.get(off, ga, 0, len);
            if (m != null) {
                m.get(off, ma, 0, len);
            }
            if (v != null) {
                v.get(off, va, 0, len);
            }
            CpuFusedKernels.update(pa, ga, ma, va, 0, len, lr, lrT, l2, rule);
            if (m != null) {
                m.put(off, ma, 0, len);
            }
            if (v != null) {
                v.put(off, va, 0, len);
            }
            p.put(off, pa, 0, len);
        }
    }
}
