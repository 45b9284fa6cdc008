package dev.graft.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-tiled product of {@link CpuTiledHead} with the Vector API ({@code jdk.incubator.vector},
 * JDK 17 incubator: only loaded when the JVM runs with {@code --add-modules jdk.incubator.vector}, see
 * {@link CpuFusedHeads#vectorApi()}). All three products of a dense layer's step are one shape,
 *
 * <pre>C[m·p + j] = init(m, j) + Σ_{t &lt; T} A[m·am + t·at] · B[t·p + j]   for m &lt; M, j &lt; p</pre>
 *
 * with flat row-major arrays whose rows are padded to a multiple of the vector length: the forward
 * product ({@code A} = the input rows, {@code B} = the kernel, init = the bias row, then {@link #relu}
 * over the block while it is in L1), the
 * weight gradient ({@code A} = the input read transposed through its strides, {@code B} = the output
 * gradient, init = the accumulator itself) and the input gradient ({@code A} = the output gradient,
 * {@code B} = the kernel transposed, then {@link #reluMask}). So every product
 * streams {@code B} row by row and broadcasts one {@code A} element per tile row: no transposed copy of
 * the activations or gradients is ever made.
 *
 * <p>Tiles: 3 rows × 4 vectors (12 accumulators, 4 loads and 3 broadcasts per 12 fused multiply-adds),
 * 8 rows × 1 vector where a row is a single vector (the 5-class output layer), then 3 × 1, 2 × 4,
 * 1 × 4 and 1 × 1 for the edges. The accumulators stay in registers over the whole reduction (C2's
 * auto-vectoriser on JDK 17 neither does that nor fuses the multiply-add). A 4 × 4 tile measured
 * slower: C2 reached its inlining node limit ({@code NodeCountInliningCutoff}) inside it and boxed the
 * last accumulators on the heap at every store. The 3 × 4 tile is close to that limit too (with a
 * {@code max} per store for a ReLU epilogue it crossed it in some runs): keep the tile methods lean,
 * and check with {@code -XX:+PrintInlining} (no {@code NodeCountInliningCutoff} on {@code finish}) or
 * with an allocation profile after any change.
 */
final class CpuTiledKernels {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();

    private CpuTiledKernels() {
    }

    /**
     * The product above. {@code init}:
     * {@code init[initOff + m·initStride + j]} ({@code initStride} 0: one row for every {@code m}, as a
     * bias or a row of zeros; {@code initStride == p} with {@code init == c}: accumulate). {@code p} is
     * a multiple of the vector length.
     */
    static void product(float[] a, int am, int at, int mCount, int t, float[] b, int p,
                        float[] init, int initOff, int initStride, float[] c) {
        int m = 0;
        if (p == L) {
            for (; m + 8 <= mCount; m += 8) {
                tile8x1(a, m * am, am, at, t, b, p, init, initOff + m * initStride, initStride, c, m * p);
            }
        }
        for (; m + 3 <= mCount; m += 3) {
            int j = 0;
            for (; j + 4 * L <= p; j += 4 * L) {
                tile3x4(a, m * am, am, at, t, b, j, p, init, initOff + m * initStride + j, initStride, c, m * p + j);
            }
            for (; j < p; j += L) {
                tile3x1(a, m * am, am, at, t, b, j, p, init, initOff + m * initStride + j, initStride, c, m * p + j);
            }
        }
        if (m + 2 <= mCount) {
            int j = 0;
            for (; j + 4 * L <= p; j += 4 * L) {
                tile2x4(a, m * am, am, at, t, b, j, p, init, initOff + m * initStride + j, initStride, c, m * p + j);
            }
            for (; j < p; j += L) {
                tile1(a, m * am, at, t, b, j, p, init, initOff + m * initStride + j, c, m * p + j);
                tile1(a, (m + 1) * am, at, t, b, j, p, init, initOff + (m + 1) * initStride + j, c, (m + 1) * p + j);
            }
            m += 2;
        }
        for (; m < mCount; m++) {
            int j = 0;
            for (; j + 4 * L <= p; j += 4 * L) {
                tile1x4(a, m * am, at, t, b, j, p, init, initOff + m * initStride + j, c, m * p + j);
            }
            for (; j < p; j += L) {
                tile1(a, m * am, at, t, b, j, p, init, initOff + m * initStride + j, c, m * p + j);
            }
        }
    }

    /** One row, four vectors: four independent accumulators, where one alone waits on each multiply-add's latency. */
    private static void tile1x4(float[] a, int a0, int at, int t, float[] b, int j, int p, float[] init, int i0, float[] c, int c0) {
        FloatVector c0v = start(init, i0);
        FloatVector c1v = start(init, i0 + L);
        FloatVector c2v = start(init, i0 + 2 * L);
        FloatVector c3v = start(init, i0 + 3 * L);
        for (int s = 0, bo = j, ao = a0; s < t; s++, bo += p, ao += at) {
            FloatVector x = FloatVector.broadcast(SPECIES, a[ao]);
            c0v = FloatVector.fromArray(SPECIES, b, bo).fma(x, c0v);
            c1v = FloatVector.fromArray(SPECIES, b, bo + L).fma(x, c1v);
            c2v = FloatVector.fromArray(SPECIES, b, bo + 2 * L).fma(x, c2v);
            c3v = FloatVector.fromArray(SPECIES, b, bo + 3 * L).fma(x, c3v);
        }
        finish(c0v, c, c0);
        finish(c1v, c, c0 + L);
        finish(c2v, c, c0 + 2 * L);
        finish(c3v, c, c0 + 3 * L);
    }

    private static void tile1(float[] a, int a0, int at, int t, float[] b, int j, int p, float[] init, int i0, float[] c, int c0) {
        FloatVector acc = start(init, i0);
        for (int s = 0, bo = j, ao = a0; s < t; s++, bo += p, ao += at) {
            acc = FloatVector.fromArray(SPECIES, b, bo).fma(FloatVector.broadcast(SPECIES, a[ao]), acc);
        }
        finish(acc, c, c0);
    }

    private static FloatVector start(float[] init, int off) {
        return FloatVector.fromArray(SPECIES, init, off);
    }

    /** Kept tiny: C2 must inline all twelve stores of a tile, or the accumulators get boxed on the heap. */
    private static void finish(FloatVector acc, float[] c, int off) {
        acc.intoArray(c, off);
    }

    /** {@code c[i] = max(0, c[i])} for {@code [0, n)}, {@code n} a multiple of the vector length. */
    static void relu(float[] c, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector.fromArray(SPECIES, c, i).max(0f).intoArray(c, i);
        }
    }

    /** ReLU's derivative on the gradient: {@code g[i] = y[i] > 0 ? g[i] : 0} for {@code [0, n)}, {@code n} a multiple of the vector length. */
    static void reluMask(float[] g, float[] y, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector.fromArray(SPECIES, g, i).blend(0f, FloatVector.fromArray(SPECIES, y, i).compare(VectorOperators.GT, 0f).not())
                    .intoArray(g, i);
        }
    }

    private static void tile3x4(float[] a, int a0, int am, int at, int t, float[] b, int j, int p,
                                float[] init, int i0, int initStride, float[] c, int c0) {
        int i1 = i0 + initStride;
        int i2 = i1 + initStride;
        FloatVector c00 = start(init, i0);
        FloatVector c01 = start(init, i0 + L);
        FloatVector c02 = start(init, i0 + 2 * L);
        FloatVector c03 = start(init, i0 + 3 * L);
        FloatVector c10 = start(init, i1);
        FloatVector c11 = start(init, i1 + L);
        FloatVector c12 = start(init, i1 + 2 * L);
        FloatVector c13 = start(init, i1 + 3 * L);
        FloatVector c20 = start(init, i2);
        FloatVector c21 = start(init, i2 + L);
        FloatVector c22 = start(init, i2 + 2 * L);
        FloatVector c23 = start(init, i2 + 3 * L);
        int a1 = a0 + am;
        int a2 = a1 + am;
        for (int s = 0, bo = j, ao = 0; s < t; s++, bo += p, ao += at) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bo);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bo + L);
            FloatVector b2 = FloatVector.fromArray(SPECIES, b, bo + 2 * L);
            FloatVector b3 = FloatVector.fromArray(SPECIES, b, bo + 3 * L);
            FloatVector x = FloatVector.broadcast(SPECIES, a[a0 + ao]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            c02 = b2.fma(x, c02);
            c03 = b3.fma(x, c03);
            x = FloatVector.broadcast(SPECIES, a[a1 + ao]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            c12 = b2.fma(x, c12);
            c13 = b3.fma(x, c13);
            x = FloatVector.broadcast(SPECIES, a[a2 + ao]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            c22 = b2.fma(x, c22);
            c23 = b3.fma(x, c23);
        }
        finish(c00, c, c0);
        finish(c01, c, c0 + L);
        finish(c02, c, c0 + 2 * L);
        finish(c03, c, c0 + 3 * L);
        finish(c10, c, c0 + p);
        finish(c11, c, c0 + p + L);
        finish(c12, c, c0 + p + 2 * L);
        finish(c13, c, c0 + p + 3 * L);
        finish(c20, c, c0 + 2 * p);
        finish(c21, c, c0 + 2 * p + L);
        finish(c22, c, c0 + 2 * p + 2 * L);
        finish(c23, c, c0 + 2 * p + 3 * L);
    }

    private static void tile2x4(float[] a, int a0, int am, int at, int t, float[] b, int j, int p,
                                float[] init, int i0, int initStride, float[] c, int c0) {
        int i1 = i0 + initStride;
        FloatVector c00 = start(init, i0);
        FloatVector c01 = start(init, i0 + L);
        FloatVector c02 = start(init, i0 + 2 * L);
        FloatVector c03 = start(init, i0 + 3 * L);
        FloatVector c10 = start(init, i1);
        FloatVector c11 = start(init, i1 + L);
        FloatVector c12 = start(init, i1 + 2 * L);
        FloatVector c13 = start(init, i1 + 3 * L);
        int a1 = a0 + am;
        for (int s = 0, bo = j, ao = 0; s < t; s++, bo += p, ao += at) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bo);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bo + L);
            FloatVector b2 = FloatVector.fromArray(SPECIES, b, bo + 2 * L);
            FloatVector b3 = FloatVector.fromArray(SPECIES, b, bo + 3 * L);
            FloatVector x = FloatVector.broadcast(SPECIES, a[a0 + ao]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            c02 = b2.fma(x, c02);
            c03 = b3.fma(x, c03);
            x = FloatVector.broadcast(SPECIES, a[a1 + ao]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            c12 = b2.fma(x, c12);
            c13 = b3.fma(x, c13);
        }
        finish(c00, c, c0);
        finish(c01, c, c0 + L);
        finish(c02, c, c0 + 2 * L);
        finish(c03, c, c0 + 3 * L);
        finish(c10, c, c0 + p);
        finish(c11, c, c0 + p + L);
        finish(c12, c, c0 + p + 2 * L);
        finish(c13, c, c0 + p + 3 * L);
    }

    private static void tile3x1(float[] a, int a0, int am, int at, int t, float[] b, int j, int p,
                                float[] init, int i0, int initStride, float[] c, int c0) {
        FloatVector c0v = start(init, i0);
        FloatVector c1v = start(init, i0 + initStride);
        FloatVector c2v = start(init, i0 + 2 * initStride);
        int a1 = a0 + am;
        int a2 = a1 + am;
        for (int s = 0, bo = j, ao = 0; s < t; s++, bo += p, ao += at) {
            FloatVector bv = FloatVector.fromArray(SPECIES, b, bo);
            c0v = bv.fma(FloatVector.broadcast(SPECIES, a[a0 + ao]), c0v);
            c1v = bv.fma(FloatVector.broadcast(SPECIES, a[a1 + ao]), c1v);
            c2v = bv.fma(FloatVector.broadcast(SPECIES, a[a2 + ao]), c2v);
        }
        finish(c0v, c, c0);
        finish(c1v, c, c0 + p);
        finish(c2v, c, c0 + 2 * p);
    }

    /** Rows of one vector: eight independent accumulators hide the multiply-add latency that four cannot. */
    private static void tile8x1(float[] a, int a0, int am, int at, int t, float[] b, int p,
                                float[] init, int i0, int initStride, float[] c, int c0) {
        FloatVector c0v = start(init, i0);
        FloatVector c1v = start(init, i0 + initStride);
        FloatVector c2v = start(init, i0 + 2 * initStride);
        FloatVector c3v = start(init, i0 + 3 * initStride);
        FloatVector c4v = start(init, i0 + 4 * initStride);
        FloatVector c5v = start(init, i0 + 5 * initStride);
        FloatVector c6v = start(init, i0 + 6 * initStride);
        FloatVector c7v = start(init, i0 + 7 * initStride);
        for (int s = 0, bo = 0, ao = a0; s < t; s++, bo += p, ao += at) {
            FloatVector bv = FloatVector.fromArray(SPECIES, b, bo);
            c0v = bv.fma(FloatVector.broadcast(SPECIES, a[ao]), c0v);
            c1v = bv.fma(FloatVector.broadcast(SPECIES, a[ao + am]), c1v);
            c2v = bv.fma(FloatVector.broadcast(SPECIES, a[ao + 2 * am]), c2v);
            c3v = bv.fma(FloatVector.broadcast(SPECIES, a[ao + 3 * am]), c3v);
            c4v = bv.fma(FloatVector.broadcast(SPECIES, a[ao + 4 * am]), c4v);
            c5v = bv.fma(FloatVector.broadcast(SPECIES, a[ao + 5 * am]), c5v);
            c6v = bv.fma(FloatVector.broadcast(SPECIES, a[ao + 6 * am]), c6v);
            c7v = bv.fma(FloatVector.broadcast(SPECIES, a[ao + 7 * am]), c7v);
        }
        finish(c0v, c, c0);
        finish(c1v, c, c0 + p);
        finish(c2v, c, c0 + 2 * p);
        finish(c3v, c, c0 + 3 * p);
        finish(c4v, c, c0 + 4 * p);
        finish(c5v, c, c0 + 5 * p);
        finish(c6v, c, c0 + 6 * p);
        finish(c7v, c, c0 + 7 * p);
    }

    /** {@code sum[j] += Σ_{r &lt; rows} g[r·p + j]}: the bias gradient. */
    static void addRows(float[] g, int rows, int p, float[] sum, int sumOff) {
        for (int j = 0; j < p; j += L) {
            FloatVector acc = FloatVector.fromArray(SPECIES, sum, sumOff + j);
            for (int r = 0, o = j; r < rows; r++, o += p) {
                acc = acc.add(FloatVector.fromArray(SPECIES, g, o));
            }
            acc.intoArray(sum, sumOff + j);
        }
    }

    /** Plain SGD on {@code n} values from {@code off} (a multiple of the vector length), then clears the gradients. */
    static void sgd(float[] w, float[] g, int off, int n, float lr, float decay) {
        FloatVector zero = FloatVector.zero(SPECIES);
        for (int j = off; j < off + n; j += L) {
            FloatVector p = FloatVector.fromArray(SPECIES, w, j);
            FloatVector gv = FloatVector.fromArray(SPECIES, g, j);
            // p - lr·(g + decay·p), with the same roundings as the scalar formula: no fused multiply-add
            p.sub(gv.add(p.mul(decay)).mul(lr)).intoArray(w, j);
            zero.intoArray(g, j);
        }
    }
}
