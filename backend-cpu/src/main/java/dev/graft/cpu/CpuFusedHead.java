package dev.graft.cpu;

import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.FusedDenseHead;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * A training step of a small dense head in one pass (see {@link FusedDenseHead}) in plain loops, for
 * JVMs without the Vector API (with it, {@link CpuTiledHead} runs the same step): the batch goes
 * through in blocks of {@link #BLOCK} rows; each block runs forward, the softmax cross-entropy and
 * backward through every layer while its activations are in L1, and adds its share into the
 * gradient accumulators; the optimizer update (which also clears the accumulators) runs once at the
 * end of the batch.
 *
 * <p>Layout for C2's auto-vectoriser (JDK 17): every matrix is an array of row arrays, each row
 * padded with zeros to a multiple of {@link #LANES}, and every inner loop runs over {@code j} with
 * all arrays indexed by that same {@code j} (C2 does not vectorise {@code x[base + j] += y[j]}). The
 * products are register-tiled over four rows of the reduction dimension at a time:
 * {@code acc[j] += a0·w0[j] + a1·w1[j] + a2·w2[j] + a3·w3[j]} loads the accumulator once per four
 * multiply-adds. Padding columns stay exactly zero: their weights start at zero, and their
 * gradients are never written.
 *
 * <p>The parameters and optimizer state live here, on the heap, while the head trains;
 * {@link #publish()} writes the parameters back into the layers' off-heap buffers.
 */
final class CpuFusedHead implements FusedDenseHead.Head {

    /** Rows per block: a block's activations and gradients (a few KiB per layer) stay in L1. */
    static final int BLOCK = 32;
    /** Row padding in floats: one AVX-512 vector. */
    static final int LANES = 16;

    private final CpuHeadLayers layers;
    private final FusedDenseHead.UpdateRule rule;
    /** Per layer: kernel rows {@code [in][width]}, then bias as one more row; same shape for gradients and slots. */
    private final float[][][] w;
    private final float[][][] gw;
    private final float[][][] slot1;
    private final float[][][] slot2;
    /** Per layer that passes a gradient down: the kernel transposed, {@code [out][padded in]}, refreshed after each update. */
    private final float[][][] wt;
    /** Per layer: the block's outputs and output gradients, {@code [BLOCK][width]}. */
    private final float[][][] act;
    private final float[][][] grad;
    private final float[][] x;
    private final float[][] dx;
    /** The batch's labels as class indices, checked before the step changes anything. */
    private int[] labelIndex = new int[BLOCK];
    CpuFusedHead(List<FusedDenseHead.DenseLayer> spec, FusedDenseHead.UpdateRule rule, boolean inputGradient) {
        this.layers = new CpuHeadLayers(spec);
        this.rule = rule;
        w = new float[layers.count][][];
        gw = new float[layers.count][][];
        slot1 = new float[layers.count][][];
        slot2 = new float[layers.count][][];
        act = new float[layers.count][][];
        grad = new float[layers.count][][];
        wt = new float[layers.count][][];
        boolean slots1 = rule.adam() || rule.momentum() > 0f;
        for (int l = 0; l < layers.count; l++) {
            w[l] = new float[layers.in[l] + 1][layers.width[l]];
            gw[l] = new float[layers.in[l] + 1][layers.width[l]];
            slot1[l] = slots1 ? new float[layers.in[l] + 1][layers.width[l]] : null;
            slot2[l] = rule.adam() ? new float[layers.in[l] + 1][layers.width[l]] : null;
            act[l] = new float[BLOCK][layers.width[l]];
            grad[l] = new float[BLOCK][layers.width[l]];
            FloatBuffer k = layers.kernelBuffers[l].data();
            for (int r = 0; r < layers.in[l]; r++) {
                k.get(r * layers.out[l], w[l][r], 0, layers.out[l]);
            }
            layers.biasBuffers[l].data().get(0, w[l][layers.in[l]], 0, layers.out[l]);
            if (l > 0 || inputGradient) {
                wt[l] = new float[layers.out[l]][padded(layers.in[l])];
                CpuFusedKernels.transpose(w[l], layers.in[l], layers.out[l], wt[l]);
            }
        }
        x = new float[BLOCK][layers.in[0]];
        dx = inputGradient ? new float[BLOCK][padded(layers.in[0])] : null;
    }

    static int padded(int n) {
        return (n + LANES - 1) / LANES * LANES;
    }

    @Override
    public double trainStep(DeviceBuffer input, DeviceBuffer labels, int rows, float gradScale, long step,
                            DeviceBuffer logits, DeviceBuffer inputGrad) {
        FloatBuffer xb = ((CpuBuffer) input).data();
        FloatBuffer yb = ((CpuBuffer) labels).data();
        FloatBuffer zb = ((CpuBuffer) logits).data();
        FloatBuffer dxb = inputGrad == null ? null : ((CpuBuffer) inputGrad).data();
        int top = layers.count - 1;
        labelIndex = layers.classIndices(yb, rows, labelIndex);
        double loss = 0;
        for (int r0 = 0; r0 < rows; r0 += BLOCK) {
            int nr = Math.min(BLOCK, rows - r0);
            for (int r = 0; r < nr; r++) {
                xb.get((r0 + r) * layers.in[0], x[r], 0, layers.in[0]);
            }
            for (int l = 0; l < layers.count; l++) {
                CpuFusedKernels.forward(l == 0 ? x : act[l - 1], nr, layers.in[l], w[l], act[l], layers.width[l]);
                CpuFusedKernels.activate(act[l], nr, layers.out[l], layers.kind[l], layers.alpha[l]);
            }
            for (int r = 0; r < nr; r++) {
                zb.put((r0 + r) * layers.out[top], act[top][r], 0, layers.out[top]);
                loss += CpuFusedKernels.softmaxCrossEntropy(act[top][r], layers.out[top], labelIndex[r0 + r], gradScale,
                        grad[top][r]);
            }
            for (int l = top; l >= 0; l--) {
                float[][] below = l == 0 ? x : act[l - 1];
                CpuFusedKernels.accumulateGradients(below, grad[l], nr, layers.in[l], gw[l], layers.width[l]);
                if (l > 0) {
                    CpuFusedKernels.backThrough(grad[l], nr, layers.out[l], wt[l], grad[l - 1]);
                    CpuFusedKernels.activationBackward(act[l - 1], grad[l - 1], nr, layers.out[l - 1],
                            layers.kind[l - 1], layers.alpha[l - 1]);
                } else if (dx != null) {
                    CpuFusedKernels.backThrough(grad[0], nr, layers.out[0], wt[0], dx);
                    for (int r = 0; r < nr; r++) {
                        dxb.put((r0 + r) * layers.in[0], dx[r], 0, layers.in[0]);
                    }
                }
            }
        }
        for (int l = 0; l < layers.count; l++) {
            CpuFusedKernels.update(w[l], gw[l], slot1[l], slot2[l], layers.in[l], layers.learningRate[l], layers.l2[l],
                    rule, step);
            if (wt[l] != null && layers.learningRate[l] != 0f) {
                CpuFusedKernels.transpose(w[l], layers.in[l], layers.out[l], wt[l]);
            }
        }
        return loss;
    }

    @Override
    public void publish() {
        for (int l = 0; l < layers.count; l++) {
            FloatBuffer k = layers.kernelBuffers[l].data();
            for (int r = 0; r < layers.in[l]; r++) {
                k.put(r * layers.out[l], w[l][r], 0, layers.out[l]);
            }
            layers.biasBuffers[l].data().put(0, w[l][layers.in[l]], 0, layers.out[l]);
        }
    }

    @Override
    public void close() {
        // heap only: nothing native to free
    }
}
