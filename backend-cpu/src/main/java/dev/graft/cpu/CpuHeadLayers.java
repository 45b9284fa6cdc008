package dev.graft.cpu;

import dev.graft.Activation;
import dev.graft.spi.FusedDenseHead;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * The layers of a fused dense head ({@link CpuFusedHead}, {@link CpuTiledHead}) as parallel
 * per-layer arrays, read once from the spec for the training loops: input and output widths (and the
 * output width padded to {@link CpuFusedHead#LANES}), activation, learning rate, L2 factor, and the
 * off-heap parameter buffers that the head copies in at the start and writes back on {@code publish()}.
 */
final class CpuHeadLayers {

    final int count;
    final int[] in;
    final int[] out;
    /** Output width padded to a multiple of {@link CpuFusedHead#LANES}: the row length of every matrix. */
    final int[] width;
    final Activation.Kind[] kind;
    final float[] alpha;
    final float[] learningRate;
    final float[] l2;
    final CpuBuffer[] kernelBuffers;
    final CpuBuffer[] biasBuffers;

    CpuHeadLayers(List<FusedDenseHead.DenseLayer> spec) {
        count = spec.size();
        in = new int[count];
        out = new int[count];
        width = new int[count];
        kind = new Activation.Kind[count];
        alpha = new float[count];
        learningRate = new float[count];
        l2 = new float[count];
        kernelBuffers = new CpuBuffer[count];
        biasBuffers = new CpuBuffer[count];
        for (int l = 0; l < count; l++) {
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
        }
    }

    /**
     * The batch's labels as class indices of the top layer, in {@code into} (or a larger array if it
     * is too short). Every label is checked before a head's step adds anything to its accumulators,
     * so a bad batch changes nothing.
     */
    int[] classIndices(FloatBuffer labels, int rows, int[] into) {
        int[] index = into.length < rows ? new int[rows] : into;
        for (int r = 0; r < rows; r++) {
            index[r] = CpuKernels.label(labels.get(r), r, out[count - 1]);
        }
        return index;
    }
}
