package dev.graft.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise passes on the Vector API, for the layer-by-layer path and {@link CpuTiledHead}; only
 * loaded when the JVM runs with {@code --add-modules jdk.incubator.vector}
 * ({@link CpuFusedHeads#vectorApi()}).
 *
 * <p>ReLU's and leaky ReLU's backward passes select by the sign of the output; C2 (JDK 17) compiles
 * the scalar select to a branch, and on real activations (about half positive, in no pattern) it is
 * mispredicted half the time. A JFR profile of a full training step of the 500-300-100-50-5 network
 * put 22 % of the step in that loop, against 74 % in OpenBLAS. Here the select is a vector blend under
 * a mask: no branch, and the same results as the scalar formula, NaN included ({@code y > 0} is false
 * for NaN).
 *
 * <p>Softmax cross-entropy spends its time in {@code exp} and, row by row, in reductions across a
 * vector's lanes; here it runs across rows instead, with a float polynomial {@code exp}.
 */
final class CpuVectorElementwise {

    static final VectorSpecies<Float> SPECIES = CpuTiledKernels.SPECIES;
    private static final int L = SPECIES.length();

    private CpuVectorElementwise() {
    }

    /** {@code g[i] = y[i] > 0 ? g[i] : slope · g[i]} for {@code i < n} (ReLU: slope 0, then exactly 0). */
    static void reluBackward(float[] y, float[] g, int n, float slope) {
        int i = 0;
        int bound = SPECIES.loopBound(n);
        if (slope == 0f) {
            for (; i < bound; i += L) {
                FloatVector gv = FloatVector.fromArray(SPECIES, g, i);
                gv.blend(0f, FloatVector.fromArray(SPECIES, y, i).compare(VectorOperators.GT, 0f).not()).intoArray(g, i);
            }
            for (; i < n; i++) {
                g[i] = y[i] > 0f ? g[i] : 0f;
            }
        } else {
            for (; i < bound; i += L) {
                FloatVector gv = FloatVector.fromArray(SPECIES, g, i);
                gv.blend(gv.mul(slope), FloatVector.fromArray(SPECIES, y, i).compare(VectorOperators.GT, 0f).not()).intoArray(g, i);
            }
            for (; i < n; i++) {
                g[i] = y[i] > 0f ? g[i] : slope * g[i];
            }
        }
    }

    /**
     * Softmax cross-entropy of {@code rows} rows of {@code n ≤ L} logits at stride {@code p} (formula
     * of {@link CpuKernels}, one vector per row, {@code exp} on all lanes at once): writes
     * {@code (softmax − onehot) · gradScale} into {@code g} (lanes past {@code n} zero) and returns the
     * sum over rows of {@code −log softmax[label]}. Sums in float where the scalar formula sums in
     * double, and {@link #exp} is a float polynomial: the two agree to a few ulps.
     */
    static double softmaxCrossEntropy(float[] z, int rows, int n, int p, int[] labels, int labelOff, float gradScale, float[] g) {
        double loss = 0;
        int r = 0;
        if (n <= MAX_COLUMNS && rows >= L) {
            int[] rowOffsets = p == L ? ROWS_OF_ONE_VECTOR : rowOffsets(p);
            for (; r + L <= rows; r += L) {
                loss += softmaxCrossEntropyColumns(z, r, n, p, rowOffsets, labels, labelOff + r, gradScale, g);
            }
        }
        VectorMask<Float> valid = SPECIES.indexInRange(0, n);
        VectorMask<Float> padding = valid.not();
        for (int o = r * p; r < rows; r++, o += p) {
            FloatVector v = FloatVector.fromArray(SPECIES, z, o);
            // an unmasked reduction over -inf padding: C2 (JDK 17) compiles the masked one far slower
            float max = v.blend(Float.NEGATIVE_INFINITY, padding).reduceLanes(VectorOperators.MAX);
            FloatVector e = exp(v.sub(max)).blend(0f, padding);
            float sum = e.reduceLanes(VectorOperators.ADD);
            e.mul(gradScale / sum).intoArray(g, o);
            int label = labels[labelOff + r];
            g[o + label] -= gradScale;
            loss += max + Math.log(sum) - z[o + label];
        }
        return loss;
    }

    /** Most classes {@link #softmaxCrossEntropyColumns} takes: {@code Π sum_r ≤ 16^16} fits a float. */
    private static final int MAX_COLUMNS = 16;
    private static final VectorSpecies<Integer> INT_SPECIES = VectorSpecies.of(int.class, SPECIES.vectorShape());
    /** The gather and scatter index map of one column over {@code L} rows of one vector each. */
    private static final int[] ROWS_OF_ONE_VECTOR = rowOffsets(L);

    private static int[] rowOffsets(int p) {
        int[] offsets = new int[L];
        for (int i = 0; i < L; i++) {
            offsets[i] = i * p;
        }
        return offsets;
    }

    /**
     * {@link #softmaxCrossEntropy} of {@code L} rows at once, one lane per row: each class's logits are
     * gathered into one vector, so max, exp, sum and gradient are vector operations across rows with
     * no reduction inside a row (C2 sums a float vector's lanes one after the other, a 16-add chain per
     * row). Three sweeps over the classes (max; exp into {@code g} and the sum; the scaled gradient)
     * instead of an array of vectors, which C2 would allocate. {@code Σ_r log(sum_r)} is one
     * {@code log} of the product over the rows ({@code sum_r ∈ [1, n]}, so at most {@code n^16}).
     */
    private static double softmaxCrossEntropyColumns(float[] z, int r0, int n, int p, int[] rowOffsets, int[] labels,
                                                     int labelOff, float gradScale, float[] g) {
        int base = r0 * p;
        FloatVector max = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < n; j++) {
            max = max.max(FloatVector.fromArray(SPECIES, z, base + j, rowOffsets, 0));
        }
        IntVector label = IntVector.fromArray(INT_SPECIES, labels, labelOff);
        FloatVector sum = FloatVector.zero(SPECIES);
        FloatVector picked = FloatVector.zero(SPECIES);
        for (int j = 0; j < n; j++) {
            FloatVector zj = FloatVector.fromArray(SPECIES, z, base + j, rowOffsets, 0);
            picked = picked.blend(zj, label.compare(VectorOperators.EQ, j).cast(SPECIES));
            FloatVector e = exp(zj.sub(max));
            e.intoArray(g, base + j, rowOffsets, 0);
            sum = sum.add(e);
        }
        FloatVector scale = FloatVector.broadcast(SPECIES, gradScale).div(sum);
        for (int j = 0; j < n; j++) {
            FloatVector.fromArray(SPECIES, g, base + j, rowOffsets, 0).mul(scale)
                    .sub(gradScale, label.compare(VectorOperators.EQ, j).cast(SPECIES))
                    .intoArray(g, base + j, rowOffsets, 0);
        }
        return Math.log(sum.reduceLanes(VectorOperators.MUL)) + max.sub(picked).reduceLanes(VectorOperators.ADD);
    }

    /**
     * {@code e^x} lane by lane: {@link CpuMath#exp}'s method and constants. Not {@code lanewise(EXP)}:
     * on JDK 17 that calls {@code Math.exp} once per lane unless the experimental
     * {@code -XX:+UseVectorStubs} is set.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector v = x.max(CpuMath.EXP_MIN).min(CpuMath.EXP_MAX);
        FloatVector t = v.mul(CpuMath.LOG2E).add(CpuMath.ROUNDER);
        FloatVector k = t.sub(CpuMath.ROUNDER);
        FloatVector r = v.sub(k.mul(CpuMath.LN2_HI)).sub(k.mul(CpuMath.LN2_LO));
        FloatVector p = r.fma(FloatVector.broadcast(SPECIES, CpuMath.P0), FloatVector.broadcast(SPECIES, CpuMath.P1));
        p = p.fma(r, FloatVector.broadcast(SPECIES, CpuMath.P2));
        p = p.fma(r, FloatVector.broadcast(SPECIES, CpuMath.P3));
        p = p.fma(r, FloatVector.broadcast(SPECIES, CpuMath.P4));
        p = p.fma(r, FloatVector.broadcast(SPECIES, CpuMath.P5));
        p = p.mul(r.mul(r)).add(r).add(1f);
        FloatVector scale = t.reinterpretAsInts().sub(CpuMath.ROUNDER_BITS).add(127)
                .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(scale);
    }
}
