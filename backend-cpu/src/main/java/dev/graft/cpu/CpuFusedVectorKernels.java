package dev.graft.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two products of {@link CpuFusedHead} with the Vector API ({@code jdk.incubator.vector}, JDK 17
 * incubator: only loaded when the JVM runs with {@code --add-modules jdk.incubator.vector}, see
 * {@link CpuFusedHeads#vectorApi()}). Register-tiled: a tile of accumulators (4 rows × 2 vectors)
 * stays in registers over the whole reduction, each step one fused multiply-add per accumulator.
 * C2's auto-vectoriser cannot keep accumulators in registers across a loop, nor fuse the
 * multiply-add, which is why the plain loops of {@link CpuFusedKernels} reach a fifth of this.
 */
final class CpuFusedVectorKernels {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();

    private CpuFusedVectorKernels() {
    }

    /** See {@link CpuFusedKernels#forward}; {@code width} is a multiple of the vector length. */
    static void forward(float[][] x, int rows, int k, float[][] w, float[][] y, int width) {
        float[] bias = w[k];
        int r = 0;
        for (; r + 3 < rows; r += 4) {
            float[] x0 = x[r];
            float[] x1 = x[r + 1];
            float[] x2 = x[r + 2];
            float[] x3 = x[r + 3];
            int j = 0;
            for (; j + 2 * L <= width; j += 2 * L) {
                FloatVector b0 = FloatVector.fromArray(SPECIES, bias, j);
                FloatVector b1 = FloatVector.fromArray(SPECIES, bias, j + L);
                FloatVector a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1;
                for (int i = 0; i < k; i++) {
                    float[] wi = w[i];
                    FloatVector w0 = FloatVector.fromArray(SPECIES, wi, j);
                    FloatVector w1 = FloatVector.fromArray(SPECIES, wi, j + L);
                    FloatVector s = FloatVector.broadcast(SPECIES, x0[i]);
                    a00 = w0.fma(s, a00);
                    a01 = w1.fma(s, a01);
                    s = FloatVector.broadcast(SPECIES, x1[i]);
                    a10 = w0.fma(s, a10);
                    a11 = w1.fma(s, a11);
                    s = FloatVector.broadcast(SPECIES, x2[i]);
                    a20 = w0.fma(s, a20);
                    a21 = w1.fma(s, a21);
                    s = FloatVector.broadcast(SPECIES, x3[i]);
                    a30 = w0.fma(s, a30);
                    a31 = w1.fma(s, a31);
                }
                a00.intoArray(y[r], j);
                a01.intoArray(y[r], j + L);
                a10.intoArray(y[r + 1], j);
                a11.intoArray(y[r + 1], j + L);
                a20.intoArray(y[r + 2], j);
                a21.intoArray(y[r + 2], j + L);
                a30.intoArray(y[r + 3], j);
                a31.intoArray(y[r + 3], j + L);
            }
            for (; j < width; j += L) {
                FloatVector b = FloatVector.fromArray(SPECIES, bias, j);
                FloatVector a0 = b, a1 = b, a2 = b, a3 = b;
                for (int i = 0; i < k; i++) {
                    FloatVector wv = FloatVector.fromArray(SPECIES, w[i], j);
                    a0 = wv.fma(FloatVector.broadcast(SPECIES, x0[i]), a0);
                    a1 = wv.fma(FloatVector.broadcast(SPECIES, x1[i]), a1);
                    a2 = wv.fma(FloatVector.broadcast(SPECIES, x2[i]), a2);
                    a3 = wv.fma(FloatVector.broadcast(SPECIES, x3[i]), a3);
                }
                a0.intoArray(y[r], j);
                a1.intoArray(y[r + 1], j);
                a2.intoArray(y[r + 2], j);
                a3.intoArray(y[r + 3], j);
            }
        }
        for (; r < rows; r++) {
            float[] xr = x[r];
            for (int j = 0; j < width; j += L) {
                FloatVector a = FloatVector.fromArray(SPECIES, bias, j);
                for (int i = 0; i < k; i++) {
                    a = FloatVector.fromArray(SPECIES, w[i], j).fma(FloatVector.broadcast(SPECIES, xr[i]), a);
                }
                a.intoArray(y[r], j);
            }
        }
    }

    /** ReLU's backward pass, {@code g = y > 0 ? g : 0}, on whole padded rows (a select C2 does not vectorise). */
    static void reluBackward(float[][] y, float[][] g, int rows, int width) {
        for (int r = 0; r < rows; r++) {
            float[] yr = y[r];
            float[] gr = g[r];
            for (int j = 0; j < width; j += L) {
                FloatVector yv = FloatVector.fromArray(SPECIES, yr, j);
                FloatVector.fromArray(SPECIES, gr, j).blend(0f, yv.compare(jdk.incubator.vector.VectorOperators.LE, 0f))
                        .intoArray(gr, j);
            }
        }
    }

    /** See {@link CpuFusedKernels#accumulateGradients}: a tile of 4 kernel rows × 2 vectors reduces over the block's rows. */
    static void accumulateGradients(float[][] x, float[][] g, int rows, int k, float[][] gw, int width) {
        float[] gb = gw[k];
        for (int j = 0; j < width; j += L) {
            FloatVector acc = FloatVector.fromArray(SPECIES, gb, j);
            for (int r = 0; r < rows; r++) {
                acc = acc.add(FloatVector.fromArray(SPECIES, g[r], j));
            }
            acc.intoArray(gb, j);
        }
        int i = 0;
        for (; i + 3 < k; i += 4) {
            float[] d0 = gw[i];
            float[] d1 = gw[i + 1];
            float[] d2 = gw[i + 2];
            float[] d3 = gw[i + 3];
            int j = 0;
            for (; j + 2 * L <= width; j += 2 * L) {
                FloatVector a00 = FloatVector.fromArray(SPECIES, d0, j);
                FloatVector a01 = FloatVector.fromArray(SPECIES, d0, j + L);
                FloatVector a10 = FloatVector.fromArray(SPECIES, d1, j);
                FloatVector a11 = FloatVector.fromArray(SPECIES, d1, j + L);
                FloatVector a20 = FloatVector.fromArray(SPECIES, d2, j);
                FloatVector a21 = FloatVector.fromArray(SPECIES, d2, j + L);
                FloatVector a30 = FloatVector.fromArray(SPECIES, d3, j);
                FloatVector a31 = FloatVector.fromArray(SPECIES, d3, j + L);
                for (int r = 0; r < rows; r++) {
                    float[] xr = x[r];
                    float[] gr = g[r];
                    FloatVector g0 = FloatVector.fromArray(SPECIES, gr, j);
                    FloatVector g1 = FloatVector.fromArray(SPECIES, gr, j + L);
                    FloatVector s = FloatVector.broadcast(SPECIES, xr[i]);
                    a00 = g0.fma(s, a00);
                    a01 = g1.fma(s, a01);
                    s = FloatVector.broadcast(SPECIES, xr[i + 1]);
                    a10 = g0.fma(s, a10);
                    a11 = g1.fma(s, a11);
                    s = FloatVector.broadcast(SPECIES, xr[i + 2]);
                    a20 = g0.fma(s, a20);
                    a21 = g1.fma(s, a21);
                    s = FloatVector.broadcast(SPECIES, xr[i + 3]);
                    a30 = g0.fma(s, a30);
                    a31 = g1.fma(s, a31);
                }
                a00.intoArray(d0, j);
                a01.intoArray(d0, j + L);
                a10.intoArray(d1, j);
                a11.intoArray(d1, j + L);
                a20.intoArray(d2, j);
                a21.intoArray(d2, j + L);
                a30.intoArray(d3, j);
                a31.intoArray(d3, j + L);
            }
            for (; j < width; j += L) {
                FloatVector a0 = FloatVector.fromArray(SPECIES, d0, j);
                FloatVector a1 = FloatVector.fromArray(SPECIES, d1, j);
                FloatVector a2 = FloatVector.fromArray(SPECIES, d2, j);
                FloatVector a3 = FloatVector.fromArray(SPECIES, d3, j);
                for (int r = 0; r < rows; r++) {
                    float[] xr = x[r];
                    FloatVector gv = FloatVector.fromArray(SPECIES, g[r], j);
                    a0 = gv.fma(FloatVector.broadcast(SPECIES, xr[i]), a0);
                    a1 = gv.fma(FloatVector.broadcast(SPECIES, xr[i + 1]), a1);
                    a2 = gv.fma(FloatVector.broadcast(SPECIES, xr[i + 2]), a2);
                    a3 = gv.fma(FloatVector.broadcast(SPECIES, xr[i + 3]), a3);
                }
                a0.intoArray(d0, j);
                a1.intoArray(d1, j);
                a2.intoArray(d2, j);
                a3.intoArray(d3, j);
            }
        }
        for (; i < k; i++) {
            float[] d = gw[i];
            for (int j = 0; j < width; j += L) {
                FloatVector a = FloatVector.fromArray(SPECIES, d, j);
                for (int r = 0; r < rows; r++) {
                    a = FloatVector.fromArray(SPECIES, g[r], j).fma(FloatVector.broadcast(SPECIES, x[r][i]), a);
                }
                a.intoArray(d, j);
            }
        }
    }
}
