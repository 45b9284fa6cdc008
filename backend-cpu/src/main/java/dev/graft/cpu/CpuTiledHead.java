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

    private final CpuHeadLayers layers;
    private final FusedDenseHead.UpdateRule rule;
    private final boolean plainSgd;
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
        this.layers = new CpuHeadLayers(spec);
        this.rule = rule;
        this.plainSgd = !rule.adam() && rule.momentum() == 0f;
        w = new float[layers.count][];
        gw = new float[layers.count][];
        slot1 = new float[layers.count][];
        slot2 = new float[layers.count][];
        wt = new float[layers.count][];
        act = new float[layers.count][];
        grad = new float[layers.count][];
        for (int l = 0; l < layers.count; l++) {
            int size = (layers.in[l] + 1) * layers.width[l];
            w[l] = new float[size];
            gw[l] = new float[size];
            slot1[l] = rule.adam() || rule.momentum() > 0f ? new float[size] : null;
            slot2[l] = rule.adam() ? new float[size] : null;
            act[l] = new float[BLOCK * layers.width[l]];
            grad[l] = new float[BLOCK * layers.width[l]];
            FloatBuffer k = layers.kernelBuffers[l].data();
            for (int r = 0; r < layers.in[l]; r++) {
                k.get(r * layers.out[l], w[l], r * layers.width[l], layers.out[l]);
            }
            layers.biasBuffers[l].data().get(0, w[l], layers.in[l] * layers.width[l], layers.out[l]);
            if (l > 0 || inputGradient) {
                wt[l] = new float[layers.out[l] * CpuFusedHead.padded(layers.in[l])];
                transpose(l);
            }
        }
        zeros = new float[java.util.Arrays.stream(layers.in).map(CpuFusedHead::padded).max().orElse(0)];
        x = new float[BLOCK * layers.in[0]];
        logitRows = new float[BLOCK * layers.out[layers.count - 1]];
        dx = inputGradient ? new float[BLOCK * CpuFusedHead.padded(layers.in[0])] : null;
    }

    private void transpose(int l) {
        float[] src = w[l];
        float[] dst = wt[l];
        int p = layers.width[l];
        int pin = CpuFusedHead.padded(layers.in[l]);
        for (int i = 0; i < layers.in[l]; i++) {
            for (int j = 0; j < layers.out[l]; j++) {
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
        int top = layers.count - 1;
        labelIndex = layers.classIndices(yb, rows, labelIndex);
        double loss = 0;
        for (int r0 = 0; r0 < rows; r0 += BLOCK) {
            int nr = Math.min(BLOCK, rows - r0);
            boolean last = r0 + nr == rows;
            xb.get(r0 * layers.in[0], x, 0, nr * layers.in[0]);
            for (int l = 0; l < layers.count; l++) {
                float[] below = l == 0 ? x : act[l - 1];
                int belowStride = l == 0 ? layers.in[0] : layers.width[l - 1];
                CpuTiledKernels.product(below, belowStride, 1, nr, layers.in[l], w[l], layers.width[l],
                        w[l], layers.in[l] * layers.width[l], 0, act[l]);
                if (layers.kind[l] == Activation.Kind.RELU) {
                    CpuTiledKernels.relu(act[l], nr * layers.width[l]);
                } else if (layers.kind[l] != Activation.Kind.IDENTITY) {
                    for (int r = 0; r < nr; r++) {
                        CpuFusedKernels.activate(act[l], r * layers.width[l], layers.out[l], layers.kind[l],
                                layers.alpha[l]);
                    }
                }
            }
            int pt = layers.width[top];
            int classes = layers.out[top];
            for (int r = 0; r < nr; r++) {
                System.arraycopy(act[top], r * pt, logitRows, r * classes, classes);
            }
            zb.put(r0 * classes, logitRows, 0, nr * classes);
            if (layers.out[top] <= CpuTiledKernels.SPECIES.length()) {
                loss += CpuVectorElementwise.softmaxCrossEntropy(act[top], nr, layers.out[top], pt, labelIndex, r0,
                        gradScale, grad[top]);
            } else {
                for (int r = 0; r < nr; r++) {
                    loss += CpuFusedKernels.softmaxCrossEntropy(act[top], r * pt, layers.out[top], labelIndex[r0 + r],
                            gradScale, grad[top], r * pt);
                }
            }
            for (int l = top; l >= 0; l--) {
                backward(l, nr, last);
            }
            if (dx != null) {
                int pin = CpuFusedHead.padded(layers.in[0]);
                for (int r = 0; r < nr; r++) {
                    dxb.put((r0 + r) * layers.in[0], dx, r * pin, layers.in[0]);
                }
            }
        }
        if (!plainSgd) {
            for (int l = 0; l < layers.count; l++) {
                if (layers.learningRate[l] != 0f) {
                    float lr = layers.learningRate[l];
                    float lrT = CpuFusedKernels.adamRate(lr, rule, step);
                    int kernelEnd = layers.in[l] * layers.width[l];
                    CpuFusedKernels.update(w[l], gw[l], slot1[l], slot2[l], 0, kernelEnd, lr, lrT, layers.l2[l], rule);
                    CpuFusedKernels.update(w[l], gw[l], slot1[l], slot2[l], kernelEnd, gw[l].length, lr, lrT, 0f, rule);
                }
                java.util.Arrays.fill(gw[l], 0f);
            }
        }
        for (int l = 0; l < layers.count; l++) {
            if (wt[l] != null && layers.learningRate[l] != 0f) {
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
        int p = layers.width[l];
        float[] below = l == 0 ? x : act[l - 1];
        int belowStride = l == 0 ? layers.in[0] : layers.width[l - 1];
        // gw[i][j] += Σ_r below[r][i] · grad[r][j]: A is the block's input read down its columns
        CpuTiledKernels.product(below, 1, belowStride, layers.in[l], nr, grad[l], p, gw[l], 0, p, gw[l]);
        CpuTiledKernels.addRows(grad[l], nr, p, gw[l], layers.in[l] * p);
        if (last && plainSgd && layers.learningRate[l] != 0f) {
            CpuTiledKernels.sgd(w[l], gw[l], 0, layers.in[l] * p, layers.learningRate[l], layers.l2[l]);
            CpuTiledKernels.sgd(w[l], gw[l], layers.in[l] * p, p, layers.learningRate[l], 0f);
        } else if (last && plainSgd) {
            java.util.Arrays.fill(gw[l], 0f);
        }
        float[] target = l > 0 ? grad[l - 1] : dx;
        if (target == null) {
            return;
        }
        int pb = CpuFusedHead.padded(layers.in[l]);
        CpuTiledKernels.product(grad[l], p, 1, nr, layers.out[l], wt[l], pb, zeros, 0, 0, target);
        if (l > 0 && layers.kind[l - 1] == Activation.Kind.RELU) {
            CpuTiledKernels.reluMask(grad[l - 1], act[l - 1], nr * pb);
        } else if (l > 0 && layers.kind[l - 1] != Activation.Kind.IDENTITY) {
            for (int r = 0; r < nr; r++) {
                CpuFusedKernels.activationBackward(act[l - 1], grad[l - 1], r * pb, layers.out[l - 1],
                        layers.kind[l - 1], layers.alpha[l - 1]);
            }
        }
    }

    @Override
    public void publish() {
        for (int l = 0; l < layers.count; l++) {
            FloatBuffer k = layers.kernelBuffers[l].data();
            for (int r = 0; r < layers.in[l]; r++) {
                k.put(r * layers.out[l], w[l], r * layers.width[l], layers.out[l]);
            }
            layers.biasBuffers[l].data().put(0, w[l], layers.in[l] * layers.width[l], layers.out[l]);
        }
    }

    @Override
    public void close() {
        // heap only: nothing native to free
    }
}
