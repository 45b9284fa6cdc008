package dev.graft.cuda;

import dev.graft.spi.DeviceBuffer;

/**
 * What the convolution, pooling and normalisation families ask of the GPU: buffer addresses,
 * kernel launches, a row-major GEMM on addresses, scratch memory and clearing. {@link CudaStreamDevice}
 * queues these on a backend's stream; the tests put a recorder here that replays the same calls on
 * the CPU against the same kernel sources compiled as C++, so that the families' launch logic is
 * checked on machines without a GPU. Addresses are in bytes, as on the device.
 */
interface CudaKernelDevice {

    /**
     * The address of {@code buffer}'s first float, after checking that it belongs here and holds at
     * least {@code floats}.
     *
     * @throws IllegalArgumentException naming {@code what} and {@code shape} when it does not
     */
    long address(DeviceBuffer buffer, long floats, String what, Object shape);

    /** Starts the argument list of a launch of {@code kernel}. */
    Launch prepare(CudaKernel kernel);

    /** Row-major {@code C[m×n] = alpha·op(A)[m×k]·op(B)[k×n] + beta·C} on device addresses. */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, long b, float beta, long c);

    /** Sets {@code floats} floats at {@code address} to zero. */
    void zero(long address, long floats);

    /** A zero-filled scratch buffer of {@code floats} floats, freed by closing it. */
    DeviceBuffer allocate(long floats);

    /** One launch's arguments, in the kernel's parameter order, then {@link #launch}. */
    interface Launch {
        Launch ptr(long address);

        Launch i32(int value);

        Launch i64(long value);

        Launch f32(float value);

        Launch f64(double value);

        /** Queues the kernel over {@code blocks} blocks of {@code threads} threads. */
        void launch(int blocks, int threads);
    }
}
