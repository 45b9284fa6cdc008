package dev.graft.reference;

import dev.graft.conv.ReferenceBatchNormKernels;
import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.NormalizationKernels;
import java.util.Arrays;

/**
 * The reference backend's {@link NormalizationKernels}: {@link ReferenceBatchNormKernels} (double
 * precision, the oracle) over the reference backend's heap buffers. Buffers may be longer than a
 * call's rows (networks size them for the largest batch); only the leading values are used.
 */
final class ReferenceNormalizationKernels implements NormalizationKernels {

    @Override
    public void batchNormInference(int rows, int channels, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
                                   DeviceBuffer movingMean, DeviceBuffer movingVariance, float epsilon, DeviceBuffer y) {
        float[] out = ReferenceBatchNormKernels.inference(rows, channels, values(x, rows * channels),
                values(gamma, channels), values(beta, channels), values(movingMean, channels),
                values(movingVariance, channels), epsilon);
        System.arraycopy(out, 0, data(y), 0, out.length);
    }

    @Override
    public void batchNormTraining(int rows, int channels, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
                                  float epsilon, DeviceBuffer y, DeviceBuffer batchMean, DeviceBuffer batchVariance) {
        ReferenceBatchNormKernels.Training t = ReferenceBatchNormKernels.training(rows, channels,
                values(x, rows * channels), values(gamma, channels), values(beta, channels), epsilon);
        System.arraycopy(t.output(), 0, data(y), 0, t.output().length);
        System.arraycopy(t.mean(), 0, data(batchMean), 0, channels);
        System.arraycopy(t.variance(), 0, data(batchVariance), 0, channels);
    }

    @Override
    public void batchNormBackward(boolean training, int rows, int channels, DeviceBuffer x, DeviceBuffer gradOut,
                                  DeviceBuffer gamma, DeviceBuffer mean, DeviceBuffer variance, float epsilon,
                                  DeviceBuffer gradInput, DeviceBuffer gradGamma, DeviceBuffer gradBeta) {
        float[] xs = values(x, rows * channels);
        float[] dy = values(gradOut, rows * channels);
        float[] g = values(gamma, channels);
        float[] m = values(mean, channels);
        float[] v = values(variance, channels);
        ReferenceBatchNormKernels.Gradients grads = training
                ? ReferenceBatchNormKernels.trainingBackward(rows, channels, xs, dy, g, m, v, epsilon)
                : ReferenceBatchNormKernels.inferenceBackward(rows, channels, xs, dy, g, m, v, epsilon);
        if (gradInput != null) {
            System.arraycopy(grads.input(), 0, data(gradInput), 0, grads.input().length);
        }
        if (gradGamma != null) {
            System.arraycopy(grads.gamma(), 0, data(gradGamma), 0, channels);
        }
        if (gradBeta != null) {
            System.arraycopy(grads.beta(), 0, data(gradBeta), 0, channels);
        }
    }

    @Override
    public void updateMoving(int channels, DeviceBuffer moving, DeviceBuffer batch, float momentum) {
        float[] m = values(moving, channels);
        ReferenceBatchNormKernels.updateMoving(m, values(batch, channels), momentum);
        System.arraycopy(m, 0, data(moving), 0, channels);
    }

    /** The first {@code length} values of a buffer (copied), or null for a null buffer (γ, β absent). */
    private static float[] values(DeviceBuffer buffer, int length) {
        if (buffer == null) {
            return null;
        }
        float[] d = data(buffer);
        if (d.length < length) {
            throw new IllegalArgumentException("batch norm needs " + length + " floats but buffer " + buffer
                    + " holds " + d.length);
        }
        return Arrays.copyOf(d, length);
    }

    private static float[] data(DeviceBuffer buffer) {
        if (!(buffer instanceof ReferenceBuffer rb)) {
            throw new IllegalArgumentException("buffer " + buffer + " was not allocated by the reference backend");
        }
        if (rb.closed()) {
            throw new IllegalStateException("buffer used after close");
        }
        return rb.data;
    }
}
