package dev.graft;

import dev.graft.exec.LayerOp;
import dev.graft.exec.Pass;
import dev.graft.spi.Backend;
import dev.graft.spi.DeviceBuffer;

/**
 * The op of a {@link ParameterlessLayer}: a forward from each batch's input to its output, and a
 * backward that has no parameter gradient to write, so it computes the input's gradient only where
 * a layer below asks for one. The two passes are given per op (once per network, not per call).
 */
final class ParameterlessOp implements LayerOp {

    /** The forward pass of {@code rows} samples. */
    @FunctionalInterface
    interface Forward {
        void apply(DeviceBuffer input, DeviceBuffer output, int rows);
    }

    /** The input's gradient of {@code rows} samples from the output's gradient {@code g}. */
    @FunctionalInterface
    interface InputGradient {
        void apply(DeviceBuffer input, DeviceBuffer g, DeviceBuffer inputGrad, int rows);
    }

    private final Forward forward;
    private final InputGradient inputGradient;

    ParameterlessOp(Forward forward, InputGradient inputGradient) {
        this.forward = forward;
        this.inputGradient = inputGradient;
    }

    /** Passes each sample of {@code sampleSize} values through unchanged, both ways. */
    static ParameterlessOp copy(Backend backend, long sampleSize) {
        return new ParameterlessOp((input, output, rows) -> backend.copy(input, 0, output, 0, rows * sampleSize),
                (input, g, inputGrad, rows) -> backend.copy(g, 0, inputGrad, 0, rows * sampleSize));
    }

    @Override
    public void forward(DeviceBuffer input, DeviceBuffer output, int rows, Pass pass) {
        forward.apply(input, output, rows);
    }

    @Override
    public void backward(DeviceBuffer input, DeviceBuffer output, DeviceBuffer g, DeviceBuffer inputGrad, int rows) {
        if (inputGrad != null) {
            inputGradient.apply(input, g, inputGrad, rows);
        }
    }
}
