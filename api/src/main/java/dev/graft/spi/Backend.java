package dev.graft.spi;

import dev.graft.Activation;
import java.nio.FloatBuffer;
import java.util.Optional;

/**
 * The contract a compute backend implements: memory, copies and a dozen kernels. Layers, the
 * training loop and the cache are written once in {@code graft-api} on top of it. Further kernel
 * families (e.g. {@link ChannelKernels}) are optional capabilities: a backend offers its own through
 * {@link #capability}, and {@code graft-api} composes a default from these core kernels otherwise.
 *
 * <p>All matrices are dense, row-major and tightly packed; sizes are given per call, so a buffer
 * allocated for the largest batch serves smaller ones by using its first rows. Class labels
 * travel as floats holding small integers. A backend instance is used by one thread at a time
 * and owns every buffer it allocated: {@link #close()} frees whatever is still open.
 */
public interface Backend extends AutoCloseable {

    /**
     * Version of this contract; a provider built for another version is skipped at discovery.
     * 2: networks are placed by {@code dev.graft.exec.Networks} (no {@code network} method here),
     * optional kernel families through {@link #capability}.
     */
    int SPI_VERSION = 2;

    /** Short name, as used by the {@code graft.backend} override: {@code reference}, {@code cpu}, {@code cuda}, {@code tf}. */
    String name();

    /** What this backend runs on, for logs and reports, e.g. {@code "OpenBLAS 0.3.31, 1 thread"}. */
    String description();

    /** Allocates {@code length} floats, zero-filled. */
    DeviceBuffer allocate(long length);

    /** Copies {@code length} floats from {@code src[srcOffset..]} into {@code dst[dstOffset..]}. */
    void upload(float[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int length);

    /** Copies the floats between {@code src}'s position and limit into {@code dst[dstOffset..]}; the position is not moved. */
    void upload(FloatBuffer src, DeviceBuffer dst, long dstOffset);

    /** Copies {@code length} floats from {@code src[srcOffset..]} into {@code dst[dstOffset..]}. */
    void download(DeviceBuffer src, long srcOffset, float[] dst, int dstOffset, int length);

    /** Copies {@code length} floats between buffers of this backend. */
    void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long length);

    /**
     * {@code C = alpha · op(A) · op(B) + beta · C}, with {@code op(A)} of shape {@code m × k},
     * {@code op(B)} of shape {@code k × n} and {@code C} of shape {@code m × n}. With {@code transA}
     * A is stored as {@code k × m}, with {@code transB} B is stored as {@code n × k}. When
     * {@code beta == 0}, C's old contents are ignored (even NaN).
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float alpha, DeviceBuffer a, DeviceBuffer b, float beta, DeviceBuffer c);

    /**
     * In place on {@code x} ({@code rows × cols}): adds {@code bias} (length {@code cols}, may be null)
     * to every row, then applies {@code activation} (softmax row by row).
     */
    void biasActivation(DeviceBuffer x, DeviceBuffer bias, int rows, int cols, Activation activation);

    /**
     * In place on {@code grad}: multiplies the gradient with respect to an activation's output by the
     * activation's derivative, computed from that output {@code y} (both {@code rows × cols}); for
     * softmax the row-wise Jacobian product {@code y ⊙ (g − Σ g⊙y)}. For the kinds whose derivative
     * is not a function of the output ({@link Activation#derivativeFromOutput()} false: swish, hard
     * swish) {@code y} is the activation's <em>input</em> (the pre-activation) instead.
     */
    void activationBackward(DeviceBuffer y, DeviceBuffer grad, int rows, int cols, Activation activation);

    /** {@code out[j] = alpha · Σ_i x[i, j] + beta · out[j]} for {@code x} of shape {@code rows × cols}; with {@code beta == 0} old values are ignored. */
    void columnSums(DeviceBuffer x, int rows, int cols, float alpha, DeviceBuffer out, float beta);

    /**
     * {@link #activationBackward} on {@code grad} (nothing to do for {@link Activation.Kind#IDENTITY}),
     * then, when {@code sums} is not null, {@link #columnSums} of the result into it: a layer's bias
     * gradient (or its folded SGD update) in the same pass over the gradient. A backend may fuse the
     * two; this default makes the two calls.
     */
    default void activationBackwardAndColumnSums(DeviceBuffer y, DeviceBuffer grad, int rows, int cols, Activation activation,
                                                 float alpha, DeviceBuffer sums, float beta) {
        if (activation.kind() != Activation.Kind.IDENTITY) {
            activationBackward(y, grad, rows, cols, activation);
        }
        if (sums != null) {
            columnSums(grad, rows, cols, alpha, sums, beta);
        }
    }

    /**
     * Fused softmax cross-entropy on {@code logits} ({@code rows × cols}) against {@code labels}
     * ({@code rows} class indices as floats). Writes {@code (softmax − onehot) · gradScale} into
     * {@code grad} (which may be {@code logits} itself, or null for no gradient) and returns the
     * sum over rows of {@code −log softmax[label]}.
     */
    double softmaxCrossEntropy(DeviceBuffer logits, DeviceBuffer labels, int rows, int cols,
                               float gradScale, DeviceBuffer grad);

    /**
     * Squared error of {@code predictions} against {@code targets} (both {@code rows × cols}). Writes
     * {@code 2 (p − t) / cols · gradScale} into {@code grad} (may alias {@code predictions}, or null)
     * and returns {@code Σ_rows mean_cols (p − t)²}.
     */
    double meanSquaredError(DeviceBuffer predictions, DeviceBuffer targets, int rows, int cols,
                            float gradScale, DeviceBuffer grad);

    /**
     * Inverted dropout on the first {@code length} floats of {@code x}: writes into {@code mask} the
     * factor {@code 0} or {@code 1/(1−rate)} chosen by {@link DropoutMask#keep(long, long, float)}
     * for each index, and multiplies {@code x} by it.
     */
    void dropout(DeviceBuffer x, DeviceBuffer mask, long length, float rate, long seed);

    /** {@code x[i] *= factor[i]} for the first {@code length} floats (dropout's backward pass). */
    void multiply(DeviceBuffer x, DeviceBuffer factor, long length);

    /**
     * One SGD step on {@code length} parameters: {@code g' = g + l2·p}; without momentum
     * {@code p −= lr·g'}; with momentum {@code v = momentum·v + g'}, then {@code p −= lr·v}, or for
     * Nesterov {@code p −= lr·(g' + momentum·v)}. {@code velocity} may be null when momentum is 0.
     */
    void sgdUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer velocity, long length,
                   float learningRate, float momentum, boolean nesterov, float l2);

    /**
     * One Adam step ({@code step} counts from 1): {@code g' = g + l2·p; m = β1·m + (1−β1)·g';
     * v = β2·v + (1−β2)·g'²; p −= lr·sqrt(1−β2^t)/(1−β1^t) · m / (sqrt(v) + ε)} (TF's formulation).
     */
    void adamUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v, long length,
                    float learningRate, float beta1, float beta2, float epsilon, long step, float l2);

    /**
     * This backend's implementation of an optional interface, if it has one: a kernel family such as
     * {@link ChannelKernels}, or the executor's {@code NetworkCompiler} for backends that compile
     * whole passes. The default answers with this object when it implements {@code type}.
     */
    default <T> Optional<T> capability(Class<T> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
    }

    /** Frees every buffer still open and any native state. */
    @Override
    void close();
}
