package dev.graft.spi;

import dev.graft.Activation;
import java.util.List;
import java.util.Optional;

/**
 * Optional backend capability ({@link Backend#capability}): a whole training step of a small chain of
 * dense layers at the top of a network — forward (GEMM, bias, activation), softmax cross-entropy,
 * backward and the optimizer update — in one pass over the batch, instead of one kernel call per
 * operation. Worth it when the layers are so small that a BLAS call per product costs more than the
 * arithmetic (the seed's 100-50-5 head fits in L1). The executor offers the top chain; the backend
 * decides, by its own rule for these shapes, whether its fused pass is faster, and logs why.
 *
 * <p>No default composition exists: a backend without it runs the layers one by one.
 */
public interface FusedDenseHead {

    /**
     * One dense layer of the head, bottom first: {@code y = activation(x · kernel + bias)} with the
     * kernel stored row-major as {@code [inputWidth, outputWidth]}. {@code learningRate} already
     * includes the layer's multiplier (0: the layer passes gradients but is not updated); {@code l2}
     * applies to the kernel only. The top layer's activation is {@code IDENTITY}: it outputs logits.
     */
    record DenseLayer(String name, int inputWidth, int outputWidth, Activation activation,
                      DeviceBuffer kernel, DeviceBuffer bias, float learningRate, float l2) {
    }

    /**
     * The optimizer as plain numbers: SGD ({@code adam == false}; momentum 0 for plain SGD) or Adam
     * with {@code beta1, beta2, epsilon}; the formulas of {@link Backend#sgdUpdate} and
     * {@link Backend#adamUpdate}.
     */
    record UpdateRule(boolean adam, float momentum, boolean nesterov, float beta1, float beta2, float epsilon) {

        public static UpdateRule sgd(float momentum, boolean nesterov) {
            return new UpdateRule(false, momentum, nesterov, 0f, 0f, 0f);
        }

        public static UpdateRule adam(float beta1, float beta2, float epsilon) {
            return new UpdateRule(true, 0f, false, beta1, beta2, epsilon);
        }
    }

    /**
     * A fused head for these layers (bottom first, each layer's input width the previous one's output
     * width), or empty when this backend would not run it faster than its separate kernels (or cannot
     * run it). {@code inputGradient}: whether steps must also write the gradient with respect to the
     * head's input (a differentiated layer lies below). The head reads the parameters' current values
     * from the kernel and bias buffers now.
     */
    Optional<Head> fuseHead(List<DenseLayer> layers, UpdateRule rule, int maxBatch, boolean inputGradient);

    /**
     * A placed fused head. While it trains it may keep the parameters and optimizer state in its own
     * memory: {@link #publish()} writes the current parameters back into the layers' buffers.
     */
    interface Head extends AutoCloseable {

        /**
         * One training step on {@code rows} samples of {@code input} against {@code labels} (class
         * indices as floats): writes the top layer's logits into {@code logits}, the input gradient into
         * {@code inputGrad} when it is not null, updates every layer whose learning rate is not 0
         * ({@code step} counts from 1, for Adam), and returns the sum over rows of the cross-entropy.
         * Gradients are scaled by {@code gradScale} (1/rows for a mean loss).
         */
        double trainStep(DeviceBuffer input, DeviceBuffer labels, int rows, float gradScale, long step,
                         DeviceBuffer logits, DeviceBuffer inputGrad);

        /** Writes the current parameter values into the layers' kernel and bias buffers. */
        void publish();

        /** Frees the head's own memory (not the layers' buffers). */
        @Override
        void close();
    }
}
