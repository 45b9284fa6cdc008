package dev.graft.cuda;

import static dev.graft.cuda.CudaCheck.check;

import dev.graft.cuda.CudaStatus.Api;
import dev.graft.spi.DeviceBuffer;
import org.bytedeco.cuda.global.cudart;

/**
 * {@link CudaKernelDevice} on a {@link CudaBackend}: launches through its NVRTC kernels and GEMMs
 * through its cuBLAS handle, all on its one stream; allocates nothing per call.
 */
final class CudaStreamDevice implements CudaKernelDevice, CudaKernelDevice.Launch {

    private final CudaBackend backend;
    private final CudaContext ctx;

    CudaStreamDevice(CudaBackend backend, CudaContext ctx) {
        this.backend = backend;
        this.ctx = ctx;
    }

    @Override
    public long address(DeviceBuffer buffer, long floats, String what, Object shape) {
        CudaBuffer b = backend.own(buffer, what);
        if (b.length() < floats) {
            throw new IllegalArgumentException(what + " holds " + b.length() + " floats, needs " + floats + " for " + shape);
        }
        return b.address(0);
    }

    @Override
    public Launch prepare(CudaKernel kernel) {
        backend.enter();
        ctx.kernels.prepare(kernel);
        return this;
    }

    @Override
    public Launch ptr(long address) {
        ctx.kernels.ptr(address);
        return this;
    }

    @Override
    public Launch i32(int value) {
        ctx.kernels.i32(value);
        return this;
    }

    @Override
    public Launch i64(long value) {
        ctx.kernels.i64(value);
        return this;
    }

    @Override
    public Launch f32(float value) {
        ctx.kernels.f32(value);
        return this;
    }

    @Override
    public Launch f64(double value) {
        ctx.kernels.f64(value);
        return this;
    }

    @Override
    public void launch(int blocks, int threads) {
        ctx.kernels.launch(blocks, threads, 1, ctx.stream);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, long b, float beta, long c) {
        backend.gemmAt(transA, transB, m, n, k, alpha, a, b, beta, c);
    }

    @Override
    public void zero(long address, long floats) {
        backend.enter();
        if (floats > 0) {
            check(Api.CUDART, cudart.cudaMemsetAsync(ctx.a.at(address), 0, 4 * floats, ctx.stream),
                    "cudaMemsetAsync(" + 4 * floats + " bytes)");
        }
    }

    @Override
    public DeviceBuffer allocate(long floats) {
        return backend.allocate(floats);
    }
}
