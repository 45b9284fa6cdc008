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
    COLUMN_SUMS("rowwise.cu", "column_sums"),
    IM2COL("conv.cu", "im2col"),
    COL2IM("conv.cu", "col2im"),
    DEPTHWISE_FORWARD("conv.cu", "depthwise_forward"),
    DEPTHWISE_BACKWARD_INPUT("conv.cu", "depthwise_backward_input"),
    DEPTHWISE_KERNEL_PARTIALS("conv.cu", "depthwise_kernel_partials"),
    MAX_POOL_FORWARD("pooling.cu", "max_pool_forward"),
    MAX_POOL_BACKWARD("pooling.cu", "max_pool_backward"),
    AVG_POOL_FORWARD("pooling.cu", "avg_pool_forward"),
    AVG_POOL_BACKWARD("pooling.cu", "avg_pool_backward"),
    GLOBAL_AVG_FORWARD("pooling.cu", "global_avg_forward"),
    GLOBAL_AVG_BACKWARD("pooling.cu", "global_avg_backward"),
    ZERO_PAD_FORWARD("pooling.cu", "zero_pad_forward"),
    ZERO_PAD_BACKWARD("pooling.cu", "zero_pad_backward"),
    COLUMN_PARTIALS("normalization.cu", "column_partials"),
    COLUMN_DOT_PARTIALS("normalization.cu", "column_dot_partials"),
    REDUCE_PARTIALS("normalization.cu", "reduce_partials"),
    BATCH_NORM_APPLY("normalization.cu", "batch_norm_apply"),
    BATCH_NORM_GRAD_PARTIALS("normalization.cu", "batch_norm_grad_partials"),
    BATCH_NORM_PARAM_GRADS("normalization.cu", "batch_norm_param_grads"),
    BATCH_NORM_GRAD_INPUT("normalization.cu", "batch_norm_grad_input"),
    BATCH_NORM_UPDATE_MOVING("normalization.cu", "batch_norm_update_moving"),
    CHANNEL_SCALE_SHIFT("normalization.cu", "channel_scale_shift");

    /** The source files, in the order their modules are loaded. */
    static final String[] SOURCES = {"elementwise.cu", "rowwise.cu", "conv.cu", "pooling.cu", "normalization.cu"};

    final String source;
    final String entry;

    CudaKernel(String source, String entry) {
        this.source = source;
        this.entry = entry;
    }
}
