package dev.graft.cpu;

import dev.graft.Activation;
import dev.graft.exec.NetworkCompiler;
import dev.graft.spi.Backend;
import dev.graft.spi.ChannelKernels;
import dev.graft.spi.ConvKernels;
import dev.graft.spi.NormalizationKernels;
import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.FusedDenseHead;
import dev.graft.spi.PoolingKernels;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The CPU backend: GEMM is OpenBLAS's {@code cblas_sgemm} on off-heap {@link CpuBuffer}s (no copy,
 * ~30 ns per call), every other kernel is a flat Java loop over the same memory. Used by one
 * thread at a time; closing it frees every buffer it allocated that is still open.
 *
 * <p>Each GEMM runs by a per-shape plan ({@link CpuGemm}, {@link CpuGemmPlan}): blocks that keep
 * OpenBLAS in its small-matrix kernels, shared with this backend's worker threads when it has more
 * than one thread. OpenBLAS's thread count is process-wide: each call sets the count it needs.
 */
public final class CpuBackend implements Backend, ChannelKernels, FusedDenseHead {

    private static final System.Logger LOG = System.getLogger(CpuBackend.class.getName());
    /**
     * Whether networks fold frozen {@code Conv2D → BatchNorm → ReLU → MaxPool2D} runs into one pass
     * ({@link CpuNetworkCompiler}); {@code -Dgraft.cpu.convBlocks=false} runs them layer by layer
     * (for comparisons).
     */
    static final boolean CONV_BLOCKS = Boolean.parseBoolean(System.getProperty("graft.cpu.convBlocks", "true"));

    private final int threads;
    private final Set<CpuBuffer> open = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Staging arrays for the Java kernels, reused by every call (no per-call scratch). */
    private final CpuScratch scratch = new CpuScratch();
    /** GEMM plans and workers ({@link #gemms()}), made on the first GEMM and closed with the backend. */
    private CpuGemm gemm;
    /** The convolution, pooling and batch-norm kernels, made on first use and closed with the backend. */
    private CpuConvKernels convolutions;
    private boolean closed;
    /** When training steps run a small dense head as one fused pass ({@link CpuFusedHeads}). */
    private final CpuFusedHeads.Mode fusedHeads;
    private final boolean vectorApi;

    CpuBackend(int threads) {
        this(threads, CpuFusedHeads.Mode.AUTO);
    }

    CpuBackend(int threads, CpuFusedHeads.Mode fusedHeads) {
        this(threads, fusedHeads, CpuFusedHeads.vectorApi());
    }

    /** {@code vectorApi}: whether a fused head may use the Vector API (false: plain loops; for tests). */
    CpuBackend(int threads, CpuFusedHeads.Mode fusedHeads, boolean vectorApi) {
        this.fusedHeads = fusedHeads;
        this.vectorApi = vectorApi;
        if (threads <= 0) {
            throw new IllegalArgumentException("threads must be positive, got " + threads);
        }
        this.threads = threads;
        CpuNatives.useThreads(threads);
        LOG.log(System.Logger.Level.DEBUG, () -> "opened " + description());
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String description() {
        return "OpenBLAS " + CpuNatives.version() + ", " + threads + (threads == 1 ? " thread" : " threads");
    }

    /** The OpenBLAS thread count this backend runs GEMMs with. */
    public int threads() {
        return threads;
    }

    @Override
    public DeviceBuffer allocate(long length) {
        ensureOpen();
        CpuBuffer buffer = new CpuBuffer(this, length);
        open.add(buffer);
        return buffer;
    }

    void released(CpuBuffer buffer) {
        open.remove(buffer);
    }

    @Override
    public void upload(float[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int length) {
        FloatBuffer d = data(dst, dstOffset, length, "upload destination");
        if (srcOffset < 0 || length < 0 || srcOffset > src.length - length) {
            throw new IndexOutOfBoundsException("upload of " + length + " floats from offset " + srcOffset
                    + " of an array of " + src.length);
        }
        d.put((int) dstOffset, src, srcOffset, length);
    }

    @Override
    public void upload(FloatBuffer src, DeviceBuffer dst, long dstOffset) {
        int length = src.remaining();
        FloatBuffer d = data(dst, dstOffset, length, "upload destination");
        d.put((int) dstOffset, src, src.position(), length);
    }

    @Override
    public void download(DeviceBuffer src, long srcOffset, float[] dst, int dstOffset, int length) {
        FloatBuffer s = data(src, srcOffset, length, "download source");
        if (dstOffset < 0 || length < 0 || dstOffset > dst.length - length) {
            throw new IndexOutOfBoundsException("download of " + length + " floats to offset " + dstOffset
                    + " of an array of " + dst.length);
        }
        s.get((int) srcOffset, dst, dstOffset, length);
    }

    @Override
    public void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long length) {
        FloatBuffer s = data(src, srcOffset, length, "copy source");
        FloatBuffer d = data(dst, dstOffset, length, "copy destination");
        d.put((int) dstOffset, s, (int) srcOffset, (int) length);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float alpha, DeviceBuffer a, DeviceBuffer b, float beta, DeviceBuffer c) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm sizes must be >= 0, got m=" + m + " n=" + n + " k=" + k);
        }
        CpuBuffer cb = own(c, (long) m * n, "gemm C", m, n);
        CpuBuffer ab = own(a, (long) m * k, "gemm A", transA ? k : m, transA ? m : k);
        CpuBuffer bb = own(b, (long) k * n, "gemm B", transB ? n : k, transB ? k : n);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            scale(cb.data(), m * n, beta);
            return;
        }
        gemms().gemm(transA, transB, m, n, k, alpha, ab.pointer(), bb.pointer(), beta, cb.pointer());
    }

    /** The per-shape GEMM plans and their worker threads ({@link CpuGemm}), made on the first GEMM. */
    CpuGemm gemms() {
        CpuGemm g = gemm;
        if (g == null) {
            ensureOpen();
            g = gemm = new CpuGemm(threads);
        }
        return g;
    }

    /** C = beta·C for an empty inner dimension (beta 0 clears NaN too); rare, so a plain loop. */
    private static void scale(FloatBuffer x, int n, float beta) {
        for (int i = 0; i < n; i++) {
            x.put(i, beta == 0f ? 0f : beta * x.get(i));
        }
    }

    @Override
    public void biasActivation(DeviceBuffer x, DeviceBuffer bias, int rows, int cols, Activation activation) {
        FloatBuffer xb = data(x, 0, area(rows, cols), "biasActivation input");
        FloatBuffer bb = bias == null ? null : data(bias, 0, cols, "biasActivation bias");
        CpuActivations.biasActivation(xb, bb, rows, cols, activation, scratch);
    }

    @Override
    public void activationBackward(DeviceBuffer y, DeviceBuffer grad, int rows, int cols, Activation activation) {
        long n = area(rows, cols);
        CpuActivations.backward(data(y, 0, n, "activationBackward output"),
                data(grad, 0, n, "activationBackward gradient"), rows, cols, activation, scratch);
    }

    /** One staged pass: the derivative and the column sums of its result (see {@link CpuActivations#backward}). */
    @Override
    public void activationBackwardAndColumnSums(DeviceBuffer y, DeviceBuffer grad, int rows, int cols, Activation activation,
                                                float alpha, DeviceBuffer sums, float beta) {
        long n = area(rows, cols);
        FloatBuffer yb = activation.kind() == Activation.Kind.IDENTITY ? null : data(y, 0, n, "activationBackward output");
        FloatBuffer sb = sums == null ? null : data(sums, 0, cols, "activationBackward column sums");
        CpuActivations.backward(yb, data(grad, 0, n, "activationBackward gradient"), rows, cols, activation, alpha, sb, beta,
                scratch);
    }

    @Override
    public void columnSums(DeviceBuffer x, int rows, int cols, float alpha, DeviceBuffer out, float beta) {
        FloatBuffer xb = data(x, 0, area(rows, cols), "columnSums input");
        FloatBuffer ob = data(out, 0, cols, "columnSums output");
        CpuKernels.columnSums(xb, rows, cols, alpha, ob, beta, scratch);
    }

    @Override
    public double softmaxCrossEntropy(DeviceBuffer logits, DeviceBuffer labels, int rows, int cols,
                                      float gradScale, DeviceBuffer grad) {
        long n = area(rows, cols);
        FloatBuffer lb = data(logits, 0, n, "softmaxCrossEntropy logits");
        FloatBuffer yb = data(labels, 0, rows, "softmaxCrossEntropy labels");
        FloatBuffer gb = grad == null ? null : data(grad, 0, n, "softmaxCrossEntropy gradient");
        return CpuKernels.softmaxCrossEntropy(lb, yb, rows, cols, gradScale, gb, scratch);
    }

    @Override
    public double meanSquaredError(DeviceBuffer predictions, DeviceBuffer targets, int rows, int cols,
                                   float gradScale, DeviceBuffer grad) {
        long n = area(rows, cols);
        FloatBuffer pb = data(predictions, 0, n, "meanSquaredError predictions");
        FloatBuffer tb = data(targets, 0, n, "meanSquaredError targets");
        FloatBuffer gb = grad == null ? null : data(grad, 0, n, "meanSquaredError gradient");
        return CpuKernels.meanSquaredError(pb, tb, rows, cols, gradScale, gb, scratch);
    }

    @Override
    public void dropout(DeviceBuffer x, DeviceBuffer mask, long length, float rate, long seed) {
        if (!(rate >= 0f && rate < 1f)) {
            throw new IllegalArgumentException("dropout rate must be in [0, 1), got " + rate);
        }
        CpuKernels.dropout(data(x, 0, length, "dropout input"), data(mask, 0, length, "dropout mask"),
                (int) length, rate, seed, scratch);
    }

    @Override
    public void scaleShift(DeviceBuffer x, DeviceBuffer scale, DeviceBuffer shift, int rows, int cols) {
        CpuChannelKernels.scaleShift(data(x, 0, area(rows, cols), "scaleShift input"), data(scale, 0, cols, "scale"),
                shift == null ? null : data(shift, 0, cols, "shift"), rows, cols, scratch);
    }

    @Override
    public void columnDots(DeviceBuffer a, DeviceBuffer b, int rows, int cols, DeviceBuffer out) {
        CpuChannelKernels.columnDots(data(a, 0, area(rows, cols), "columnDots a"), data(b, 0, area(rows, cols), "columnDots b"),
                rows, cols, data(out, 0, cols, "columnDots output"), scratch);
    }

    @Override
    public void multiply(DeviceBuffer x, DeviceBuffer factor, long length) {
        CpuKernels.multiply(data(x, 0, length, "multiply input"), data(factor, 0, length, "multiply factor"), (int) length, scratch);
    }

    @Override
    public void sgdUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer velocity, long length,
                          float learningRate, float momentum, boolean nesterov, float l2) {
        FloatBuffer v = momentum == 0f ? null : data(velocity, 0, length, "sgdUpdate velocity");
        CpuKernels.update(data(param, 0, length, "sgdUpdate parameters"), data(grad, 0, length, "sgdUpdate gradient"),
                v, null, (int) length, learningRate, l2, FusedDenseHead.UpdateRule.sgd(momentum, nesterov), 1, scratch);
    }

    @Override
    public void adamUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v, long length,
                           float learningRate, float beta1, float beta2, float epsilon, long step, float l2) {
        if (step < 1) {
            throw new IllegalArgumentException("Adam steps count from 1, got " + step);
        }
        CpuKernels.update(data(param, 0, length, "adamUpdate parameters"), data(grad, 0, length, "adamUpdate gradient"),
                data(m, 0, length, "adamUpdate first moment"), data(v, 0, length, "adamUpdate second moment"),
                (int) length, learningRate, l2, FusedDenseHead.UpdateRule.adam(beta1, beta2, epsilon), step, scratch);
    }

    /**
     * Its own {@link ConvKernels}, {@link PoolingKernels} and {@link NormalizationKernels}
     * ({@link CpuConvKernels}, owned by this backend).
     */
    @Override
    public <T> Optional<T> capability(Class<T> type) {
        if (type == ConvKernels.class || type == PoolingKernels.class || type == NormalizationKernels.class) {
            if (convolutions == null) {
                ensureOpen();
                convolutions = new CpuConvKernels(this);
            }
            return Optional.of(type.cast(convolutions));
        }
        if (type == NetworkCompiler.class && CONV_BLOCKS) {
            ensureOpen();
            return Optional.of(type.cast(new CpuNetworkCompiler(this)));
        }
        return Backend.super.capability(type);
    }

    @Override
    public Optional<Head> fuseHead(List<DenseLayer> layers, UpdateRule rule, int maxBatch, boolean inputGradient) {
        for (DenseLayer l : layers) {
            own(l.kernel(), (long) l.inputWidth() * l.outputWidth(), "fused head kernel of '" + l.name() + "'", l.inputWidth(), l.outputWidth());
            own(l.bias(), l.outputWidth(), "fused head bias of '" + l.name() + "'", -1, -1);
        }
        return CpuFusedHeads.fuse(fusedHeads, layers, rule, maxBatch, inputGradient, vectorApi);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (gemm != null) {
            gemm.close();
        }
        if (convolutions != null) {
            convolutions.close();
        }
        List<CpuBuffer> left = new ArrayList<>(open);
        for (CpuBuffer buffer : left) {
            buffer.close();
        }
        open.clear();
    }

    /** Number of buffers allocated by this backend and not yet closed. */
    public int openBuffers() {
        return open.size();
    }

    private static long area(int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("shape must be non-negative, got " + rows + "x" + cols);
        }
        return (long) rows * cols;
    }

    private FloatBuffer data(DeviceBuffer buffer, long offset, long length, String what) {
        if (offset < 0) {
            throw new IndexOutOfBoundsException(what + ": negative offset " + offset);
        }
        return own(buffer, offset + length, what, -1, -1).data();
    }

    /**
     * The buffer as this backend's own, holding at least {@code needed} floats; {@code what} and the
     * shape ({@code rows < 0}: none) only name it in the exception, built on failure only (this runs
     * on every kernel call).
     */
    private CpuBuffer own(DeviceBuffer buffer, long needed, String what, int rows, int cols) {
        if (!(buffer instanceof CpuBuffer cb) || cb.owner != this) {
            throw new IllegalArgumentException(what + shape(rows, cols) + ": buffer " + buffer
                    + " was not allocated by this cpu backend");
        }
        if (needed < 0 || cb.length() < needed) {
            throw new IllegalArgumentException(what + shape(rows, cols) + " needs " + needed
                    + " floats but the buffer holds " + cb.length());
        }
        if (!cb.isOpen()) {
            throw new IllegalStateException(what + shape(rows, cols) + ": buffer of " + cb.length() + " floats was closed");
        }
        return cb;
    }

    private static String shape(int rows, int cols) {
        return rows < 0 ? "" : " (" + rows + "x" + cols + ")";
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("cpu backend was closed");
        }
    }
}
