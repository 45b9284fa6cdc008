package dev.graft.cuda;

/**
 * The run-time-compiled kernels, each with the resource file that defines it (under
 * {@code src/main/resources/dev/graft/cuda/}) and its {@code extern "C"} entry name.
 */
enum CudaKernel {
    BIAS_ACTIVATION("elementwise.cu", "bias_activation"),
    ACTIVATION_BACKWARD("elementwise.cu", "activation_backward"),
    MULTIPLY("elementwise.cu", "multiply"),
    DROPOUT("elementwise.cu", "dropout"),
    SGD_UPDATE("elementwise.cu", "sgd_update"),
    ADAM_UPDATE("elementwise.cu", "adam_update"),
    SOFTMAX_FORWARD("rowwise.cu", "softmax_forward"),
    SOFTMAX_BACKWARD("rowwise.cu", "softmax_backward"),
    SOFTMAX_XENT("rowwise.cu", "softmax_xent"),
    SQUARED_ERROR("rowwise.cu", "squared_error"),
    COLUMN_SUMS("rowwise.cu", "column_sums");

    /** The source files, in the order their modules are loaded. */
    static final String[] SOURCES = {"elementwise.cu", "rowwise.cu"};

    final String source;
    final String entry;

    CudaKernel(String source, String entry) {
        this.source = source;
        this.entry = entry;
    }
}
