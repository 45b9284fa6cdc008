package dev.graft.exec;

import dev.graft.conv.ReferenceBatchNormKernels;
import dev.graft.spi.Backend;
import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.NormalizationKernels;

/**
 * {@link NormalizationKernels} for backends without their own: the buffers are downloaded, the
 * reference kernels ({@link ReferenceBatchNormKernels}, in double) compute the result, and it is
 * uploaded back. Correct on every backend, but it moves every activation through the host: a
 * backend that runs batch-normalised networks often should implement the family natively. Over the
 * reference backend, whose transfers are plain array copies, it is the oracle itself. Buffers may be
 * longer than a call's rows (networks size them for the largest batch); only the leading values are used.
 */
public final class ComposedNormalizationKernels implements NormalizationKernels {

    private final Backend backend;

    /** Kernels over {@code backend}'s upload and download. */
    public ComposedNormalizationKernels(Backend backend) {
        this.backend = backend;
    }

    @Override
    public void batchNormInference(int rows, int channels, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
                                   DeviceBuffer movingMean, DeviceBuffer movingVariance, float epsilon, DeviceBuffer y) {
        float[] out = ReferenceBatchNormKernels.inference(rows, channels, host(x, rows * channels), host(gamma, channels),
                host(beta, channels), host(movingMean, channels), host(movingVariance, channels), epsilon);
        backend.upload(out, 0, y, 0, out.length);
    }

    @Override
    public void batchNormTraining(int rows, int channels, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
                                  float epsilon, DeviceBuffer y, DeviceBuffer batchMean, DeviceBuffer batchVariance) {
        ReferenceBatchNormKernels.Training t = ReferenceBatchNormKernels.training(rows, channels,
                host(x, rows * channels), host(gamma, channels), host(beta, channels), epsilon);
        backend.upload(t.output(), 0, y, 0, t.output().length);
        backend.upload(t.mean(), 0, batchMean, 0, channels);
        backend.upload(t.variance(), 0, batchVariance, 0, channels);
    }

    @Override
    public void batchNormBackward(boolean training, int rows, int channels, DeviceBuffer x, DeviceBuffer gradOut,
                                  DeviceBuffer gamma, DeviceBuffer mean, DeviceBuffer variance, float epsilon,
                                  DeviceBuffer gradInput, DeviceBuffer gradGamma, DeviceBuffer gradBeta) {
        float[] xs = host(x, rows * channels);
        float[] dy = host(gradOut, rows * channels);
        float[] g = host(gamma, channels);
        float[] m = host(mean, channels);
        float[] v = host(variance, channels);
        ReferenceBatchNormKernels.Gradients grads = training
                ? ReferenceBatchNormKernels.trainingBackward(rows, channels, xs, dy, g, m, v, epsilon)
                : ReferenceBatchNormKernels.inferenceBackward(rows, channels, xs, dy, g, m, v, epsilon);
        if (gradInput != null) {
            backend.upload(grads.input(), 0, gradInput, 0, grads.input().length);
        }
        if (gradGamma != null) {
            backend.upload(grads.gamma(), 0, gradGamma, 0, channels);
        }
        if (gradBeta != null) {
            backend.upload(grads.beta(), 0, gradBeta, 0, channels);
        }
    }

    @Override
    public void updateMoving(int channels, DeviceBuffer moving, DeviceBuffer batch, float momentum) {
        float[] m = host(moving, channels);
        ReferenceBatchNormKernels.updateMoving(m, host(batch, channels), momentum);
        backend.upload(m, 0, moving, 0, channels);
    }

    /** The first {@code length} values of a buffer (copied), or null for a null buffer (γ, β absent). */
    private float[] host(DeviceBuffer buffer, int length) {
        if (buffer == null) {
            return null;
        }
        if (buffer.length() < length) {
            throw new IllegalArgumentException("batch norm needs " + length + " floats but buffer " + buffer
                    + " holds " + buffer.length());
        }
        float[] values = new float[length];
        backend.download(buffer, 0, values, 0, length);
        return values;
    }
}
