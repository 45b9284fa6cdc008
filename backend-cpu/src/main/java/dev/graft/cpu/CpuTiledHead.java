package dev.graft.cpu;

import dev.graft.Activation;
import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.FusedDenseHead;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * A training step of a small dense head in one pass (see {@link FusedDenseHead}) on the Vector API
 * kernels of {@link CpuTiledKernels}: the batch goes through in blocks of {@link #BLOCK} rows; each
 * block runs forward (product with the bias as its start, then ReLU on the block in L1), the softmax cross-entropy and backward
 * (weight gradient; input gradient, then ReLU's mask) through every layer while its
 * activations are in cache, and adds its share into the gradient accumulators. Plain SGD is applied
 * right after the last block's weight gradient of each layer, while the accumulators are in cache;
 * momentum and Adam run once per layer at the end of the step.
 *
 * <p>Every matrix is one flat row-major array whose rows are padded with zeros to
 * {@link CpuFusedHead#LANES} floats: a layer's kernel rows, then its bias as one more row; the
 * gradients and optimizer slots alike; the block's outputs and output gradients. The kernel is also
 * kept transposed ({@code [out][padded in]}, refreshed after each update) for the input-gradient
 * product, so all three products stream their second operand row by row. Padding columns stay exactly
 * zero: their weights start at zero and their gradients are zero.
 *
 * <p>The parameters and optimizer state live here while the head trains; {@link #publish()} writes
 * the parameters back into the layers' off-heap buffers.
 */
final class CpuTiledHead implements FusedDenseHead.Head {

    /** Rows per block: 64 rows of a 100-64 layer's input, outputs and gradients (57 KiB) sit in L1/L2. */
    static final int BLOCK = 64;

    private final int layers;
    private final int[] in;
    private final int[] out;
    private final int[] width;
    private final Activation.Kind[] kind;
    private final float[] alpha;
    private final float[] learningRate;
    private final float[] l2;
    private final FusedDenseHead.UpdateRule rule;
    private final boolean plainSgd;
    private final CpuBuffer[] kernelBuffers;
    private final CpuBuffer[] biasBuffers;
    /** Per layer: {@code [in + 1][width]} (kernel rows, then the bias row); same shape for gradients and slots. */
    private final float[][] w;
    private final float[][] gw;
    private final float[][] slot1;
    private final float[][] slot2;
    /** Per layer that passes a gradient down: the kernel transposed, {@code [out][padded in]}. */
    private final float[][] wt;
    /** Per layer: the block's outputs and output gradients, {@code [BLOCK][width]}. */
    private final float[][] act;
    private final float[][] grad;
    /** The block's input rows as they lie in the input buffer, {@code [BLOCK][in[0]]}. */
    private final float[] x;
    private final float[] dx;
    /** A row of zeros as wide as the widest padded layer input: the start of the input-gradient products. */
    private final float[] zeros;
    /** The batch's labels as class indices, checked before the step changes anything. */
    private int[] labelIndex = new int[BLOCK];
    /** The block's logits without the row padding, for one bulk write into the logits buffer. */
    private final float[] logitRows;

    CpuTiledHead(List<FusedDenseHead.DenseLayer> spec, FusedDenseHead.UpdateRule rule, boolean inputGradient) {
        this.layers = spec.size();
        this.rule = rule;
        this.plainSgd = !rule.adam() && rule.momentum() == 0f;
        in = new int[layers];
        out = new int[layers];
        width = new int[layers];
        kind = new Activation.Kind[layers];
        alpha = new float[layers];
        learningRate = new float[layers];
        l2 = new float[layers];
        kernelBuffers = new CpuBuffer[layers];
        biasBuffers = new CpuBuffer[layers];
        w = new float[layers][];
        gw = new float[layers][];
        slot1 = new float[layers][];
        slot2 = new float[layers][];
        wt = new float[layers][];
        act = new float[layers][];
        grad = new float[layers][];
        for (int l = 0; l < layers; l++) {
            FusedDenseHead.DenseLayer d = spec.get(l);
            in[l] = d.inputWidth();
            out[l] = d.outputWidth();
            width[l] = CpuFusedHead.padded(out[l]);
            kind[l] = d.activation().kind();
            alpha[l] = d.activation().alpha();
            learningRate[l] = d.learningRate();
            l2[l] = d.l2();
            kernelBuffers[l] = (CpuBuffer) d.kernel();
            biasBuffers[l] = (CpuBuffer) d.bias();
            int size = (in[l] + 1) * width[l];
            w[l] = new float[size];
            gw[l] = new float[size];
            slot1[l] = rule.adam() || rule.momentum() > 0f ? new float[size] : null;
            slot2[l] = rule.adam() ? new float[size] : null;
            act[l] = new float[BLOCK * width[l]];
            grad[l] = new float[BLOCK * width[l]];
            FloatBuffer k = kernelBuffers[l].data();
            for (int r = 0; r < in[l]; r++) {
                k.get(r * out[l], w[l], r * width[l], out[l]);
            }
            biasBuffers[l].data().get(0, w[l], in[l] * width[l], out[l]);
            if (l > 0 || inputGradient) {
                wt[l] = new float[out[l] * CpuFusedHead.padded(in[l])];
                transpose(l);
            }
        }
        zeros = new float[java.util.Arrays.stream(in).map(CpuFusedHead::padded).max().orElse(0)];
        x = new float[BLOCK * in[0]];
        logitRows = new float[BLOCK * out[layers - 1]];
        dx = inputGradient ? new float[BLOCK * CpuFusedHead.padded(in[0])] : null;
    }

    private void transpose(int l) {
        float[] src = w[l];
        float[] dst = wt[l];
        int p = width[l];
        int pin = CpuFusedHead.padded(in[l]);
        for (int i = 0; i < in[l]; i++) {
            for (int j = 0; j < out[l]; j++) {
                dst[j * pin + i] = src[i * p + j];
            }
        }
    }

    @Override
    public double trainStep(DeviceBuffer input, DeviceBuffer labels, int rows, float gradScale, long step,
                            DeviceBuffer logits, DeviceBuffer inputGrad) {
        FloatBuffer xb = ((CpuBuffer) input).data();
        FloatBuffer yb = ((CpuBuffer) labels).data();
        FloatBuffer zb = ((CpuBuffer) logits).data();
        FloatBuffer dxb = inputGrad == null ? null : ((CpuBuffer) inputGrad).data();
        int top = layers - 1;
        if (labelIndex.length < rows) {
            labelIndex = new int[rows];
        }
        for (int r = 0; r < rows; r++) {
            // every label checked before any block adds to the accumulators: a bad batch changes nothing
            labelIndex[r] = CpuKernels.label(yb.get(r), r, out[top]);
        }
        double loss = 0;
        for (int r0 = 0; r0 < rows; r0 += BLOCK) {
            int nr = Math.min(BLOCK, rows - r0);
            boolean last = r0 + nr == rows;
            xb.get(r0 * in[0], x, 0, nr * in[0]);
            for (int l = 0; l < layers; l++) {
                float[] below = l == 0 ? x : act[l - 1];
                int belowStride = l == 0 ? in[0] : width[l - 1];
                CpuTiledKernels.product(below, belowStride, 1, nr, in[l], w[l], width[l], w[l], in[l] * width[l], 0, act[l]);
                if (kind[l] == Activation.Kind.RELU) {
                    CpuTiledKernels.relu(act[l], nr * width[l]);
                } else if (kind[l] != Activation.Kind.IDENTITY) {
                    for (int r = 0; r < nr; r++) {
                        CpuFusedKernels.activate(act[l], r * width[l], out[l], kind[l], alpha[l]);
                    }
                }
            }
            int pt = width[top];
            int classes = out[top];
            for (int r = 0; r < nr; r++) {
                System.arraycopy(act[top], r * pt, logitRows, r * classes, classes);
            }
            zb.put(r0 * classes, logitRows, 0, nr * classes);
            if (out[top] <= CpuTiledKernels.SPECIES.length()) {
                loss += CpuVectorElementwise.softmaxCrossEntropy(act[top], nr, out[top], pt, labelIndex, r0, gradScale, grad[top]);
            } else {
                for (int r = 0; r < nr; r++) {
                    loss += CpuFusedKernels.softmaxCrossEntropy(act[top], r * pt, out[top], labelIndex[r0 + r], gradScale,
                            grad[top], r * pt);
                }
            }
            for (int l = top; l >= 0; l--) {
                backward(l, nr, last);
            }
            if (dx != null) {
                int pin = CpuFusedHead.padded(in[0]);
                for (int r = 0; r < nr; r++) {
                    dxb.put((r0 + r) * in[0], dx, r * pin, in[0]);
                }
            }
        }
        if (!plainSgd) {
            for (int l = 0; l < layers; l++) {
                if (learningRate[l] != 0f) {
                    float lr = learningRate[l];
                    float lrT = CpuFusedKernels.adamRate(lr, rule, step);
                    int kernelEnd = in[l] * width[l];
                    CpuFusedKernels.update(w[l], gw[l], slot1[l], slot2[l], 0, kernelEnd, lr, lrT, l2[l], rule);
                    CpuFusedKernels.update(w[l], gw[l], slot1[l], slot2[l], kernelEnd, gw[l].length, lr, lrT, 0f, rule);
                }
                java.util.Arrays.fill(gw[l], 0f);
            }
        }
        for (int l = 0; l < layers; l++) {
            if (wt[l] != null && learningRate[l] != 0f) {
                transpose(l);
            }
        }
        return loss;
    }

    /**
     * Layer {@code l}'s backward pass for the block: its weight and bias gradients (and, after the last
     * block under plain SGD, its update), then the gradient for the layer below (through the kernel as it
     * was in the forward pass: the transposed copy is refreshed only after the step).
     */
    private void backward(int l, int nr, boolean last) {
        int p = width[l];
        float[] below = l == 0 ? x : act[l - 1];
        int belowStride = l == 0 ? in[0] : width[l - 1];
        // gw[i][j] += Σ_r below[r][i] · grad[r][j]: A is the block's input read down its columns
        CpuTiledKernels.product(below, 1, belowStride, in[l], nr, grad[l], p, gw[l], 0, p, gw[l]);
        CpuTiledKernels.addRows(grad[l], nr, p, gw[l], in[l] * p);
        if (last && plainSgd && learningRate[l] != 0f) {
            CpuTiledKernels.sgd(w[l], gw[l], 0, in[l] * p, learningRate[l], l2[l]);
            CpuTiledKernels.sgd(w[l], gw[l], in[l] * p, p, learningRate[l], 0f);
        } else if (last && plainSgd) {
            java.util.Arrays.fill(gw[l], 0f);
        }
        float[] target = l > 0 ? grad[l - 1] : dx;
        if (target == null) {
            return;
        }
        int pb = CpuFusedHead.padded(in[l]);
        CpuTiledKernels.product(grad[l], p, 1, nr, out[l], wt[l], pb, zeros, 0, 0, target);
        if (l > 0 && kind[l - 1] == Activation.Kind.RELU) {
            CpuTiledKernels.reluMask(grad[l - 1], act[l - 1], nr * pb);
        } else if (l > 0 && kind[l - 1] != Activation.Kind.IDENTITY) {
            for (int r = 0; r < nr; r++) {
                CpuFusedKernels.activationBackward(act[l - 1], grad[l - 1], r * pb, out[l - 1], kind[l - 1], alpha[l - 1]);
            }
        }
    }

    @Override
    public void publish() {
        for (int l = 0; l < layers; l++) {
            FloatBuffer k = kernelBuffers[l].data();
            for (int r = 0; r < in[l]; r++) {
                k.put(r * out[l], w[l], r * width[l], out[l]);
            }
            biasBuffers[l].data().put(0, w[l], in[l] * width[l], out[l]);
        }
    }

    @Override
    public void close() {
        // heap only: nothing native to free
    }
}
