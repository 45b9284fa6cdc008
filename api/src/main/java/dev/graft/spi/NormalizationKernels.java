package dev.graft.spi;

/**
 * An optional kernel family: batch normalisation over {@code [rows, channels]} buffers (a
 * channels-last batch {@code [N, H, W, C]} is {@code N·H·W} rows of {@code C}), with Keras 3's
 * semantics: {@code y = γ·(x − μ)/√(σ² + ε) + β}, per channel. In inference μ, σ² are the moving
 * statistics; in training they are the batch mean and <em>biased</em> batch variance, and the
 * moving averages follow {@code moving = moving·momentum + batch·(1 − momentum)}.
 *
 * <p>A backend that implements it natively returns it from {@link Backend#capability}; otherwise
 * {@code graft-api} supplies a default ({@code dev.graft.exec.ComposedNormalizationKernels}). The
 * conformance suite checks both against the reference. γ and β may be null (1 and 0: Keras's
 * {@code scale=False}, {@code center=False}). Outputs are written, not accumulated into; the
 * forward passes may write over their input ({@code y == x}).
 */
public interface NormalizationKernels {

    /** Inference: normalises {@code x} with the moving statistics into {@code y}. */
    void batchNormInference(int rows, int channels, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
                            DeviceBuffer movingMean, DeviceBuffer movingVariance, float epsilon, DeviceBuffer y);

    /**
     * Training forward: normalises {@code x} with its batch mean and biased batch variance into
     * {@code y}, and writes those statistics to {@code batchMean} and {@code batchVariance}.
     */
    void batchNormTraining(int rows, int channels, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
                           float epsilon, DeviceBuffer y, DeviceBuffer batchMean, DeviceBuffer batchVariance);

    /**
     * Backward. With {@code training}, through the batch statistics {@code mean}/{@code variance} the
     * forward used; otherwise those are the moving statistics, held constant
     * ({@code dx = γ·dy/√(σ² + ε)}). Any of {@code gradInput}, {@code gradGamma}, {@code gradBeta}
     * may be null when not wanted.
     */
    void batchNormBackward(boolean training, int rows, int channels, DeviceBuffer x, DeviceBuffer gradOut,
                           DeviceBuffer gamma, DeviceBuffer mean, DeviceBuffer variance, float epsilon,
                           DeviceBuffer gradInput, DeviceBuffer gradGamma, DeviceBuffer gradBeta);

    /** The moving-average step, in place: {@code moving = moving·momentum + batch·(1 − momentum)}. */
    void updateMoving(int channels, DeviceBuffer moving, DeviceBuffer batch, float momentum);
}
