package dev.graft;

import dev.graft.exec.LayerOp;
import dev.graft.exec.OpContext;
import dev.graft.exec.Pass;
import dev.graft.spi.Backend;
import dev.graft.spi.DeviceBuffer;

/**
 * The passes {@link Conv2D} and {@link DepthwiseConv2D} share: a convolution that adds its bias,
 * then the layer's activation over every pixel's channels; backward undoes the activation, then
 * asks the convolution for the kernel and input gradients and sums the bias gradient. A subclass
 * supplies the three convolution kernels.
 */
abstract class ConvActivationOp implements LayerOp {

    private final Backend backend;
    private final Activation activation;
    private final int pixels;
    private final int channels;
    private final long outputSize;
    private final DeviceBuffer kernelGrad;
    private final DeviceBuffer biasGrad;
    /** The pre-activation output, kept while training for activations differentiated from their input (swish). */
    private final DeviceBuffer preActivation;
    private Activation applied = Activation.IDENTITY;

    ConvActivationOp(OpContext context, Activation activation, int pixels, int channels, String kernelName, boolean hasBias) {
        this.backend = context.backend();
        this.activation = activation;
        this.pixels = pixels;
        this.channels = channels;
        this.outputSize = (long) pixels * channels;
        this.kernelGrad = context.gradient(kernelName);
        this.biasGrad = hasBias ? context.gradient("bias") : null;
        this.preActivation = context.trains() && !activation.derivativeFromOutput()
                ? context.allocate(context.maxBatch() * outputSize) : null;
    }

    /** The convolution of {@code rows} images, bias included. */
    abstract void convolve(DeviceBuffer input, DeviceBuffer output, int rows);

    /** Writes the kernel's gradient into {@code kernelGrad} from the output gradient {@code g}. */
    abstract void kernelGradient(DeviceBuffer input, DeviceBuffer g, DeviceBuffer kernelGrad, int rows);

    /** Writes the input's gradient from the output gradient {@code g}. */
    abstract void inputGradient(DeviceBuffer g, DeviceBuffer inputGrad, int rows);

    @Override
    public final void forward(DeviceBuffer input, DeviceBuffer output, int rows, Pass pass) {
        convolve(input, output, rows);
        applied = pass.logits() ? Activation.IDENTITY : activation;
        if (applied.kind() != Activation.Kind.IDENTITY) {
            if (preActivation != null && !applied.derivativeFromOutput()) {
                backend.copy(output, 0, preActivation, 0, rows * outputSize);
            }
            backend.biasActivation(output, null, rows * pixels, channels, applied);
        }
    }

    @Override
    public final void backward(DeviceBuffer input, DeviceBuffer output, DeviceBuffer g, DeviceBuffer inputGrad, int rows) {
        backend.activationBackwardAndColumnSums(applied.derivativeFromOutput() ? output : preActivation, g,
                rows * pixels, channels, applied, 1f, biasGrad, 0f);
        if (kernelGrad != null) {
            kernelGradient(input, g, kernelGrad, rows);
        }
        if (inputGrad != null) {
            inputGradient(g, inputGrad, rows);
        }
    }
}
