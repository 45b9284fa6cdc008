package dev.graft.cuda;

import dev.graft.Activation;

/**
 * Argument checks of {@link CudaBackend} (a wrong size is an exception naming the operation and
 * shapes, never a GPU fault) and the encoding of enum arguments for the kernels.
 */
final class CudaArgs {

    private CudaArgs() {
    }

    static void checkShape(int rows, int cols, String op) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException(op + ": negative shape " + rows + " x " + cols);
        }
    }

    static void need(String op, String what, CudaBuffer buffer, long needed, String formula, int d1, int d2) {
        if (buffer.length() < needed) {
            throw new IllegalArgumentException(op + ": " + what + " holds " + buffer.length() + " floats, needs "
                    + formula + " = " + needed + " (" + d1 + " x " + d2 + ")");
        }
    }

    /** {@link #need} for an optional buffer: nothing to check when it is null. */
    static void needIfGiven(String op, String what, CudaBuffer buffer, long needed, String formula, int d1, int d2) {
        if (buffer != null) {
            need(op, what, buffer, needed, formula, d1, d2);
        }
    }

    static void checkRange(String what, long capacity, long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > capacity) {
            throw new IllegalArgumentException(what + ": range [" + offset + ", " + (offset + length)
                    + ") outside 0.." + capacity);
        }
    }

    /** The activation's code in elementwise.cu (ACT_*). */
    static int activationCode(Activation activation) {
        return switch (activation.kind()) {
            case IDENTITY -> 0;
            case RELU -> 1;
            case LEAKY_RELU -> 2;
            case ELU -> 3;
            case TANH -> 4;
            case SIGMOID -> 5;
            case RELU6 -> 6;
            case SWISH -> 7;
            case HARD_SWISH -> 8;
            case HARD_SIGMOID -> 9;
            case SELU -> 10;
            case SOFTMAX -> throw new IllegalArgumentException("softmax is row-wise, not elementwise");
        };
    }
}
