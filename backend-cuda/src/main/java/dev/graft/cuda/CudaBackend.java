package dev.graft.cuda;

import static dev.graft.cuda.CudaCheck.check;

import dev.graft.Activation;
import dev.graft.cuda.CudaStatus.Api;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.spi.ChannelKernels;
import dev.graft.spi.ConvKernels;
import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.NormalizationKernels;
import dev.graft.spi.PoolingKernels;
import java.nio.FloatBuffer;
import java.util.Optional;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;

/**
 * The SPI on an NVIDIA GPU: GEMMs through cuBLAS ({@code cublasSgemm_v2}, TF32 only with
 * {@code cuda.tf32=true}), every other kernel in CUDA C compiled at run time by NVRTC, everything
 * queued on one stream. Parameters and activations stay in device memory; uploads go through pinned
 * staging buffers; the loss kernels bring back one partial sum per block. Convolution, pooling,
 * batch-norm and channel kernels are offered through {@link #capability} (NVRTC im2col + cuBLAS for
 * Conv2D, direct kernels for the rest), so conv layers stay on the device too. Options:
 * {@code cuda.device} (default 0) and {@code cuda.tf32} (default false).
 */
public final class CudaBackend implements Backend {

    /** Option allowing cuBLAS to use TF32 tensor cores (10-bit mantissa products) for GEMMs. */
    public static final String TF32 = "cuda.tf32";
    /** Option choosing the device ordinal. */
    public static final String DEVICE = "cuda.device";

    private final CudaContext ctx;
    private final boolean tf32;
    private boolean closed;
    private CudaConvFamilies families;

    CudaBackend(BackendOptions options) {
        this.tf32 = Boolean.parseBoolean(options.property(TF32, "false").trim());
        String device = options.property(DEVICE, "0").trim();
        int ordinal;
        try {
            ordinal = Integer.parseInt(device);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(DEVICE + " must be a device ordinal, got '" + device + "'");
        }
        this.ctx = new CudaContext(ordinal, tf32);
    }

    @Override
    public String name() {
        return CudaBackendProvider.NAME;
    }

    @Override
    public String description() {
        return "CUDA " + ctx.deviceName + ", cuBLAS" + (tf32 ? " (TF32 allowed)" : "") + ", NVRTC kernels for " + ctx.kernels.target();
    }

    @Override
    public DeviceBuffer allocate(long length) {
        enter();
        if (length < 0) {
            throw new IllegalArgumentException("cannot allocate " + length + " floats");
        }
        return new CudaBuffer(this, ctx.allocate(4 * length), length);
    }

    /** Called by {@link CudaBuffer#close()}. */
    void release(CudaBuffer buffer) {
        if (!closed) {
            ctx.bindThread();
        }
        ctx.free(buffer.baseAddress());
    }

    /** Bytes of device memory held by this backend's open buffers. */
    public long liveBytes() {
        return ctx.ledger.liveBytes();
    }

    /** Number of this backend's open buffers. */
    public int liveBuffers() {
        return ctx.ledger.liveCount();
    }

    @Override
    public void upload(float[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int length) {
        enter();
        CudaBuffer d = own(dst, "upload destination");
        CudaArgs.checkRange("upload source", src.length, srcOffset, length);
        CudaArgs.checkRange("upload destination", d.length(), dstOffset, length);
        if (length > 0) {
            ctx.staging.upload(src, srcOffset, length, d.address(dstOffset));
        }
    }

    @Override
    public void upload(FloatBuffer src, DeviceBuffer dst, long dstOffset) {
        enter();
        CudaBuffer d = own(dst, "upload destination");
        CudaArgs.checkRange("upload destination", d.length(), dstOffset, src.remaining());
        if (src.hasRemaining()) {
            ctx.staging.upload(src, d.address(dstOffset));
        }
    }

    @Override
    public void download(DeviceBuffer src, long srcOffset, float[] dst, int dstOffset, int length) {
        enter();
        CudaBuffer s = own(src, "download source");
        CudaArgs.checkRange("download source", s.length(), srcOffset, length);
        CudaArgs.checkRange("download destination", dst.length, dstOffset, length);
        if (length > 0) {
            ctx.staging.download(s.address(srcOffset), dst, dstOffset, length);
        }
    }

    @Override
    public void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long length) {
        enter();
        CudaBuffer s = own(src, "copy source");
        CudaBuffer d = own(dst, "copy destination");
        CudaArgs.checkRange("copy source", s.length(), srcOffset, length);
        CudaArgs.checkRange("copy destination", d.length(), dstOffset, length);
        if (length > 0) {
            check(Api.CUDART, cudart.cudaMemcpyAsync(ctx.a.at(d.address(dstOffset)), ctx.b.at(s.address(srcOffset)), 4 * length,
                    cudart.cudaMemcpyDeviceToDevice, ctx.stream), "cudaMemcpyAsync(device to device, " + 4 * length + " bytes)");
        }
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float alpha, DeviceBuffer a, DeviceBuffer b, float beta, DeviceBuffer c) {
        enter();
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: negative size m=" + m + " n=" + n + " k=" + k);
        }
        CudaBuffer ba = own(a, "gemm A");
        CudaBuffer bb = own(b, "gemm B");
        CudaBuffer bc = own(c, "gemm C");
        CudaArgs.need("gemm", "A", ba, (long) m * k, "m·k", m, k);
        CudaArgs.need("gemm", "B", bb, (long) k * n, "k·n", k, n);
        CudaArgs.need("gemm", "C", bc, (long) m * n, "m·n", m, n);
        gemmAt(transA, transB, m, n, k, alpha, ba.address(0), bb.address(0), beta, bc.address(0));
    }

    /** Row-major GEMM on device addresses (bytes), for the kernel families that work on slices of buffers. */
    void gemmAt(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, long b, float beta, long c) {
        enter();
        if (m == 0 || n == 0) {
            return;
        }
        CudaGemmCall call = CudaGemmCall.rowMajor(transA, transB, m, n, k);
        ctx.alpha.put(alpha);
        ctx.beta.put(beta);
        int status = cublas.cublasSgemm_v2(ctx.blas,
                call.transFirst() ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N,
                call.transSecond() ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N,
                call.rows(), call.cols(), call.depth(), ctx.alpha,
                ctx.b.at(b), call.ldFirst(), ctx.a.at(a), call.ldSecond(),
                ctx.beta, ctx.c.at(c), call.ldc());
        check(Api.CUBLAS, status, "cublasSgemm_v2(transA=" + transA + ", transB=" + transB + ", m=" + m + ", n=" + n + ", k=" + k + ")");
    }

    @Override
    public void biasActivation(DeviceBuffer x, DeviceBuffer bias, int rows, int cols, Activation activation) {
        enter();
        CudaBuffer bx = own(x, "biasActivation x");
        CudaBuffer bb = bias == null ? null : own(bias, "biasActivation bias");
        CudaArgs.checkShape(rows, cols, "biasActivation");
        CudaArgs.need("biasActivation", "x", bx, (long) rows * cols, "rows·cols", rows, cols);
        CudaArgs.needIfGiven("biasActivation", "bias", bb, cols, "cols", cols, 1);
        long n = (long) rows * cols;
        if (n == 0 || (bb == null && activation.kind() == Activation.Kind.IDENTITY)) {
            return;
        }
        long biasAddress = bb == null ? 0 : bb.address(0);
        if (activation.kind() == Activation.Kind.SOFTMAX) {
            ctx.kernels.prepare(CudaKernel.SOFTMAX_FORWARD).ptr(bx.address(0)).ptr(biasAddress).i32(rows).i32(cols)
                    .launch(CudaLaunch.rowBlocks(rows, CudaLaunch.MAX_BLOCKS), CudaLaunch.rowThreads(cols), 1, ctx.stream);
        } else {
            ctx.kernels.prepare(CudaKernel.BIAS_ACTIVATION).ptr(bx.address(0)).ptr(biasAddress).i64(n).i32(cols)
                    .i32(CudaArgs.activationCode(activation)).f32(activation.alpha())
                    .launch(CudaLaunch.gridFor(n), CudaLaunch.THREADS, 1, ctx.stream);
        }
    }

    @Override
    public void activationBackward(DeviceBuffer y, DeviceBuffer grad, int rows, int cols, Activation activation) {
        enter();
        CudaBuffer by = own(y, "activationBackward y");
        CudaBuffer bg = own(grad, "activationBackward grad");
        CudaArgs.checkShape(rows, cols, "activationBackward");
        CudaArgs.need("activationBackward", "y", by, (long) rows * cols, "rows·cols", rows, cols);
        CudaArgs.need("activationBackward", "grad", bg, (long) rows * cols, "rows·cols", rows, cols);
        long n = (long) rows * cols;
        if (n == 0 || activation.kind() == Activation.Kind.IDENTITY) {
            return;
        }
        if (activation.kind() == Activation.Kind.SOFTMAX) {
            ctx.kernels.prepare(CudaKernel.SOFTMAX_BACKWARD).ptr(by.address(0)).ptr(bg.address(0)).i32(rows).i32(cols)
                    .launch(CudaLaunch.rowBlocks(rows, CudaLaunch.MAX_BLOCKS), CudaLaunch.rowThreads(cols), 1, ctx.stream);
        } else {
            ctx.kernels.prepare(CudaKernel.ACTIVATION_BACKWARD).ptr(by.address(0)).ptr(bg.address(0)).i64(n)
                    .i32(CudaArgs.activationCode(activation)).f32(activation.alpha())
                    .launch(CudaLaunch.gridFor(n), CudaLaunch.THREADS, 1, ctx.stream);
        }
    }

    @Override
    public void columnSums(DeviceBuffer x, int rows, int cols, float alpha, DeviceBuffer out, float beta) {
        enter();
        CudaBuffer bx = own(x, "columnSums x");
        CudaBuffer bo = own(out, "columnSums out");
        CudaArgs.checkShape(rows, cols, "columnSums");
        CudaArgs.need("columnSums", "x", bx, (long) rows * cols, "rows·cols", rows, cols);
        CudaArgs.need("columnSums", "out", bo, cols, "cols", cols, 1);
        if (cols == 0) {
            return;
        }
        ctx.kernels.prepare(CudaKernel.COLUMN_SUMS).ptr(bx.address(0)).i32(rows).i32(cols).f32(alpha).ptr(bo.address(0)).f32(beta)
                .launch((cols + 31) / 32, 32, 8, ctx.stream);
    }

    @Override
    public double softmaxCrossEntropy(DeviceBuffer logits, DeviceBuffer labels, int rows, int cols,
                                      float gradScale, DeviceBuffer grad) {
        enter();
        CudaBuffer bl = own(logits, "softmaxCrossEntropy logits");
        CudaBuffer by = own(labels, "softmaxCrossEntropy labels");
        CudaBuffer bg = grad == null ? null : own(grad, "softmaxCrossEntropy grad");
        CudaArgs.checkShape(rows, cols, "softmaxCrossEntropy");
        CudaArgs.need("softmaxCrossEntropy", "logits", bl, (long) rows * cols, "rows·cols", rows, cols);
        CudaArgs.need("softmaxCrossEntropy", "labels", by, rows, "rows", rows, 1);
        CudaArgs.needIfGiven("softmaxCrossEntropy", "grad", bg, (long) rows * cols, "rows·cols", rows, cols);
        if (rows == 0) {
            return 0;
        }
        int blocks = CudaLaunch.rowBlocks(rows, CudaLaunch.MAX_PARTIALS);
        ctx.clearFlag();
        ctx.kernels.prepare(CudaKernel.SOFTMAX_XENT).ptr(bl.address(0)).ptr(by.address(0)).i32(rows).i32(cols).f32(gradScale)
                .ptr(bg == null ? 0 : bg.address(0)).ptr(ctx.reductionAddress()).ptr(ctx.reductionAddress() + CudaContext.FLAG_OFFSET)
                .launch(blocks, CudaLaunch.rowThreads(cols), 1, ctx.stream);
        int[] flag = {0};
        double loss = ctx.readPartials(blocks, flag);
        if (flag[0] != 0) {
            int row = flag[0] - 1;
            float[] label = new float[1];
            download(labels, row, label, 0, 1);
            throw new IllegalArgumentException("softmaxCrossEntropy: label " + label[0] + " at row " + row
                    + " is not a class index in [0, " + cols + ")");
        }
        return loss;
    }

    @Override
    public double meanSquaredError(DeviceBuffer predictions, DeviceBuffer targets, int rows, int cols,
                                   float gradScale, DeviceBuffer grad) {
        enter();
        CudaBuffer bp = own(predictions, "meanSquaredError predictions");
        CudaBuffer bt = own(targets, "meanSquaredError targets");
        CudaBuffer bg = grad == null ? null : own(grad, "meanSquaredError grad");
        CudaArgs.checkShape(rows, cols, "meanSquaredError");
        long n = (long) rows * cols;
        CudaArgs.need("meanSquaredError", "predictions", bp, n, "rows·cols", rows, cols);
        CudaArgs.need("meanSquaredError", "targets", bt, n, "rows·cols", rows, cols);
        CudaArgs.needIfGiven("meanSquaredError", "grad", bg, n, "rows·cols", rows, cols);
        if (n == 0) {
            return 0;
        }
        int blocks = CudaLaunch.partialsFor(n);
        ctx.kernels.prepare(CudaKernel.SQUARED_ERROR).ptr(bp.address(0)).ptr(bt.address(0)).i64(n).i32(cols).f32(gradScale)
                .ptr(bg == null ? 0 : bg.address(0)).ptr(ctx.reductionAddress())
                .launch(blocks, CudaLaunch.THREADS, 1, ctx.stream);
        return ctx.readPartials(blocks, null) / cols;
    }

    @Override
    public void dropout(DeviceBuffer x, DeviceBuffer mask, long length, float rate, long seed) {
        enter();
        CudaBuffer bx = own(x, "dropout x");
        CudaBuffer bm = own(mask, "dropout mask");
        if (!(rate >= 0f && rate < 1f)) {
            throw new IllegalArgumentException("dropout rate must be in [0, 1), got " + rate);
        }
        CudaArgs.checkRange("dropout x", bx.length(), 0, length);
        CudaArgs.checkRange("dropout mask", bm.length(), 0, length);
        if (length == 0) {
            return;
        }
        float scale = 1f / (1f - rate);
        ctx.kernels.prepare(CudaKernel.DROPOUT).ptr(bx.address(0)).ptr(bm.address(0)).i64(length).f32(rate).f32(scale).i64(seed)
                .launch(CudaLaunch.gridFor(length), CudaLaunch.THREADS, 1, ctx.stream);
    }

    @Override
    public void multiply(DeviceBuffer x, DeviceBuffer factor, long length) {
        enter();
        CudaBuffer bx = own(x, "multiply x");
        CudaBuffer bf = own(factor, "multiply factor");
        CudaArgs.checkRange("multiply x", bx.length(), 0, length);
        CudaArgs.checkRange("multiply factor", bf.length(), 0, length);
        if (length > 0) {
            ctx.kernels.prepare(CudaKernel.MULTIPLY).ptr(bx.address(0)).ptr(bf.address(0)).i64(length)
                    .launch(CudaLaunch.gridFor(length), CudaLaunch.THREADS, 1, ctx.stream);
        }
    }

    @Override
    public void sgdUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer velocity, long length,
                          float learningRate, float momentum, boolean nesterov, float l2) {
        enter();
        CudaBuffer bp = own(param, "sgdUpdate param");
        CudaBuffer bg = own(grad, "sgdUpdate grad");
        CudaArgs.checkRange("sgdUpdate param", bp.length(), 0, length);
        CudaArgs.checkRange("sgdUpdate grad", bg.length(), 0, length);
        long v = 0;
        if (momentum != 0f) {
            if (velocity == null) {
                throw new IllegalArgumentException("sgdUpdate: momentum " + momentum + " needs a velocity buffer");
            }
            CudaBuffer bv = own(velocity, "sgdUpdate velocity");
            CudaArgs.checkRange("sgdUpdate velocity", bv.length(), 0, length);
            v = bv.address(0);
        }
        if (length > 0) {
            ctx.kernels.prepare(CudaKernel.SGD_UPDATE).ptr(bp.address(0)).ptr(bg.address(0)).ptr(v).i64(length)
                    .f32(learningRate).f32(momentum).i32(nesterov ? 1 : 0).f32(l2)
                    .launch(CudaLaunch.gridFor(length), CudaLaunch.THREADS, 1, ctx.stream);
        }
    }

    @Override
    public void adamUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v, long length,
                           float learningRate, float beta1, float beta2, float epsilon, long step, float l2) {
        enter();
        CudaBuffer bp = own(param, "adamUpdate param");
        CudaBuffer bg = own(grad, "adamUpdate grad");
        CudaBuffer bm = own(m, "adamUpdate m");
        CudaBuffer bv = own(v, "adamUpdate v");
        if (step < 1) {
            throw new IllegalArgumentException("adamUpdate: step counts from 1, got " + step);
        }
        CudaArgs.checkRange("adamUpdate param", bp.length(), 0, length);
        CudaArgs.checkRange("adamUpdate grad", bg.length(), 0, length);
        CudaArgs.checkRange("adamUpdate m", bm.length(), 0, length);
        CudaArgs.checkRange("adamUpdate v", bv.length(), 0, length);
        if (length == 0) {
            return;
        }
        float lrt = (float) (learningRate * Math.sqrt(1 - Math.pow(beta2, step)) / (1 - Math.pow(beta1, step)));
        ctx.kernels.prepare(CudaKernel.ADAM_UPDATE).ptr(bp.address(0)).ptr(bg.address(0)).ptr(bm.address(0)).ptr(bv.address(0))
                .i64(length).f32(lrt).f32(beta1).f32(beta2).f32(epsilon).f32(l2)
                .launch(CudaLaunch.gridFor(length), CudaLaunch.THREADS, 1, ctx.stream);
    }

    /**
     * The convolution, pooling, batch-norm and channel kernels run on the GPU
     * ({@link CudaConvKernels}, {@link CudaPoolingKernels}, {@link CudaNormalizationKernels}),
     * created on first request and sharing one scratch area that this backend frees on close.
     */
    @Override
    public <T> Optional<T> capability(Class<T> type) {
        if (type == ConvKernels.class || type == PoolingKernels.class || type == NormalizationKernels.class
                || type == ChannelKernels.class) {
            enter();
            if (families == null) {
                families = new CudaConvFamilies(kernelDevice());
            }
            return Optional.of(type.cast(families.of(type)));
        }
        return Backend.super.capability(type);
    }

    /** A device view of this backend for kernel families built apart from {@link #capability} (tests). */
    CudaKernelDevice kernelDevice() {
        enter();
        return new CudaStreamDevice(this, ctx);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        ctx.bindThread();
        try {
            if (families != null) {
                families.close();
            }
        } finally {
            closed = true;
            ctx.close();
        }
    }

    /** Waits for everything queued so far (for benchmarks; downloads and losses already wait). */
    public void synchronize() {
        enter();
        ctx.synchronize();
    }

    void enter() {
        if (closed) {
            throw new IllegalStateException("CUDA backend is closed");
        }
        ctx.bindThread();
    }

    CudaBuffer own(DeviceBuffer buffer, String what) {
        if (buffer == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        if (!(buffer instanceof CudaBuffer cb) || cb.owner() != this) {
            throw new IllegalArgumentException(what + " (" + buffer + ") was not allocated by this CUDA backend");
        }
        return cb;
    }
}
