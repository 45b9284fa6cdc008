package dev.graft.cpu;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

import dev.graft.Activation;
import dev.graft.spi.ConvGeometry;
import dev.graft.spi.ZeroPadding;
import dev.graft.spi.ConvKernels;
import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.NormalizationKernels;
import dev.graft.spi.PoolingKernels;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * The CPU backend's convolution, pooling and batch-norm kernels over its off-heap
 * {@link CpuBuffer}s, channels-last ({@code [batch, height, width, channels]}) with TensorFlow's
 * semantics and layouts; {@link dev.graft.conv.ReferenceConvKernels} and its siblings are the
 * oracle they are tested against.
 *
 * <p>Conv2D is lowered to GEMM: {@link CpuIm2col} writes the windows of as many images as fit the
 * scratch limit into one reusable column buffer, and a single OpenBLAS {@code sgemm} multiplies
 * them by the {@code [kh·kw·in, out]} kernel. The kernel gradient is {@code colsᵀ · dY} summed over
 * those chunks, the input gradient {@code dY · kernelᵀ} followed by col2im. A 1×1 convolution with
 * stride 1 needs no lowering and runs straight on the input. Depthwise convolution, pooling and
 * batch norm are direct Java loops over staged heap copies.
 *
 * <p>Every output and gradient buffer is <em>written</em>, not accumulated into, and must not
 * overlap an input of the same call (batch norm's forward may write over its input). One instance
 * belongs to one {@link CpuBackend} and one thread; it owns its column buffer and staging arrays
 * (allocated once, grown to the largest shape seen) and frees the column buffer on {@link #close}.
 */
public final class CpuConvKernels implements ConvKernels, PoolingKernels, NormalizationKernels, AutoCloseable {

    /** Default column-buffer limit: 4 Mi floats (16 MiB). */
    public static final int DEFAULT_SCRATCH_FLOATS = 4 << 20;

    private final CpuBackend backend;
    private final int scratchFloats;
    private final CpuConvStaging staging = new CpuConvStaging();
    private final CpuScratch scratch = new CpuScratch();
    private CpuBuffer columns;

    /** Kernels for {@code backend}, with the default column-buffer limit. */
    public CpuConvKernels(CpuBackend backend) {
        this(backend, DEFAULT_SCRATCH_FLOATS);
    }

    /**
     * Kernels for {@code backend} whose lowered columns take at most {@code scratchFloats} floats
     * (more only when a single image's columns need more).
     */
    public CpuConvKernels(CpuBackend backend, int scratchFloats) {
        if (scratchFloats < 1) {
            throw new IllegalArgumentException("scratchFloats must be positive, got " + scratchFloats);
        }
        this.backend = backend;
        this.scratchFloats = scratchFloats;
    }

    /**
     * Conv2D forward: {@code output [batch, outH, outW, filters] = input ⊛ kernel [kh, kw, in, filters] + bias}.
     *
     * @param bias {@code [filters]}, or null for none
     */
    @Override
    public void conv2d(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer kernel, int filters,
                       DeviceBuffer bias, DeviceBuffer output) {
        int k = g.windowSize() * g.channels();
        int pixels = g.outPixels();
        CpuBuffer in = own(input, (long) batch * g.inputSize(), "conv2d input", g);
        FloatPointer x = in.pointer();
        FloatPointer w = own(kernel, (long) k * filters, "conv2d kernel [kh, kw, in, out]", g).pointer();
        CpuBuffer y = own(output, (long) batch * pixels * filters, "conv2d output", g);
        FloatBuffer b = bias == null ? null : own(bias, filters, "conv2d bias", g).data();
        CpuNatives.useThreads(backend.threads());
        if (pointwise(g)) {
            gemm(false, false, batch * pixels, filters, k, x, 0, w, 0, 0f, y.pointer(), 0);
        } else {
            int per = imagesPerChunk(g, batch);
            FloatPointer cols = columns((long) per * pixels * k);
            for (int n0 = 0; n0 < batch; n0 += per) {
                int count = Math.min(per, batch - n0);
                CpuIm2col.im2col(g, in.data(), n0, count, columns.data(), staging);
                gemm(false, false, count * pixels, filters, k, cols, 0, w, 0, 0f, y.pointer(), (long) n0 * pixels * filters);
            }
        }
        if (b != null) {
            CpuActivations.biasActivation(y.data(), b, batch * pixels, filters, Activation.IDENTITY, scratch);
        }
    }

    /** Conv2D's input gradient {@code [batch, inH, inW, in]} from {@code gradOut [batch, outH, outW, filters]}. */
    @Override
    public void conv2dBackwardInput(ConvGeometry g, int batch, DeviceBuffer gradOut, DeviceBuffer kernel, int filters,
                                    DeviceBuffer gradInput) {
        int k = g.windowSize() * g.channels();
        int pixels = g.outPixels();
        FloatPointer dy = own(gradOut, (long) batch * pixels * filters, "conv2d output gradient", g).pointer();
        FloatPointer w = own(kernel, (long) k * filters, "conv2d kernel [kh, kw, in, out]", g).pointer();
        CpuBuffer dx = own(gradInput, (long) batch * g.inputSize(), "conv2d input gradient", g);
        CpuNatives.useThreads(backend.threads());
        if (pointwise(g)) {
            gemm(false, true, batch * pixels, k, filters, dy, 0, w, 0, 0f, dx.pointer(), 0);
            return;
        }
        int per = imagesPerChunk(g, batch);
        FloatPointer cols = columns((long) per * pixels * k);
        for (int n0 = 0; n0 < batch; n0 += per) {
            int count = Math.min(per, batch - n0);
            gemm(false, true, count * pixels, k, filters, dy, (long) n0 * pixels * filters, w, 0, 0f, cols, 0);
            CpuIm2col.col2im(g, columns.data(), n0, count, dx.data(), staging);
        }
    }

    /** Conv2D's kernel gradient {@code [kh, kw, in, filters]}. */
    @Override
    public void conv2dBackwardKernel(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer gradOut, int filters,
                                     DeviceBuffer gradKernel) {
        int k = g.windowSize() * g.channels();
        int pixels = g.outPixels();
        CpuBuffer in = own(input, (long) batch * g.inputSize(), "conv2d input", g);
        FloatPointer x = in.pointer();
        FloatPointer dy = own(gradOut, (long) batch * pixels * filters, "conv2d output gradient", g).pointer();
        FloatPointer dw = own(gradKernel, (long) k * filters, "conv2d kernel gradient", g).pointer();
        CpuNatives.useThreads(backend.threads());
        if (pointwise(g)) {
            gemm(true, false, k, filters, batch * pixels, x, 0, dy, 0, 0f, dw, 0);
            return;
        }
        int per = imagesPerChunk(g, batch);
        FloatPointer cols = columns((long) per * pixels * k);
        for (int n0 = 0; n0 < batch; n0 += per) {
            int count = Math.min(per, batch - n0);
            CpuIm2col.im2col(g, in.data(), n0, count, columns.data(), staging);
            gemm(true, false, k, filters, count * pixels, cols, 0, dy, (long) n0 * pixels * filters,
                    n0 == 0 ? 0f : 1f, dw, 0);
        }
    }

    /** The bias gradient of a convolution: {@code gradOut [rows, channels]} summed over its rows. */
    public void biasGradient(DeviceBuffer gradOut, int rows, int channels, DeviceBuffer gradBias) {
        FloatBuffer dy = own(gradOut, (long) rows * channels, "bias gradient source", rows + "x" + channels).data();
        FloatBuffer db = own(gradBias, channels, "bias gradient", rows + "x" + channels).data();
        CpuKernels.columnSums(dy, rows, channels, 1f, db, 0f, scratch);
    }

    /**
     * DepthwiseConv2D forward: {@code output [batch, outH, outW, in·multiplier]}, kernel
     * {@code [kh, kw, in, multiplier]}.
     *
     * @param bias {@code [in·multiplier]}, or null for none
     */
    @Override
    public void depthwiseConv2d(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer kernel, int multiplier,
                                DeviceBuffer bias, DeviceBuffer output) {
        int outC = g.channels() * multiplier;
        CpuDepthwise.forward(g, batch,
                own(input, (long) batch * g.inputSize(), "depthwise input", g).data(),
                own(kernel, (long) g.windowSize() * outC, "depthwise kernel [kh, kw, in, multiplier]", g).data(),
                multiplier, bias == null ? null : own(bias, outC, "depthwise bias", g).data(),
                own(output, (long) batch * g.outPixels() * outC, "depthwise output", g).data(), staging);
    }

    /** DepthwiseConv2D's input gradient. */
    @Override
    public void depthwiseBackwardInput(ConvGeometry g, int batch, DeviceBuffer gradOut, DeviceBuffer kernel,
                                       int multiplier, DeviceBuffer gradInput) {
        int outC = g.channels() * multiplier;
        CpuDepthwise.backwardInput(g, batch,
                own(gradOut, (long) batch * g.outPixels() * outC, "depthwise output gradient", g).data(),
                own(kernel, (long) g.windowSize() * outC, "depthwise kernel [kh, kw, in, multiplier]", g).data(),
                multiplier, own(gradInput, (long) batch * g.inputSize(), "depthwise input gradient", g).data(), staging);
    }

    /** DepthwiseConv2D's kernel gradient {@code [kh, kw, in, multiplier]}. */
    @Override
    public void depthwiseBackwardKernel(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer gradOut,
                                        int multiplier, DeviceBuffer gradKernel) {
        int outC = g.channels() * multiplier;
        CpuDepthwise.backwardKernel(g, batch,
                own(input, (long) batch * g.inputSize(), "depthwise input", g).data(),
                own(gradOut, (long) batch * g.outPixels() * outC, "depthwise output gradient", g).data(),
                multiplier, own(gradKernel, (long) g.windowSize() * outC, "depthwise kernel gradient", g).data(),
                staging);
    }

    /** MaxPool2D forward (padding cells count as −∞). */
    @Override
    public void maxPool(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer output) {
        CpuPooling.maxPool(g, batch, own(input, (long) batch * g.inputSize(), "max pool input", g).data(),
                own(output, (long) batch * g.outPixels() * g.channels(), "max pool output", g).data(), staging);
    }

    /** MaxPool2D's input gradient: each output gradient goes to the first maximum of its window. */
    @Override
    public void maxPoolBackward(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer gradOut,
                                DeviceBuffer gradInput) {
        CpuPooling.maxPoolBackward(g, batch, own(input, (long) batch * g.inputSize(), "max pool input", g).data(),
                own(gradOut, (long) batch * g.outPixels() * g.channels(), "max pool output gradient", g).data(),
                own(gradInput, (long) batch * g.inputSize(), "max pool input gradient", g).data(), staging);
    }

    /** AvgPool2D forward (padding cells excluded from the mean). */
    @Override
    public void avgPool(ConvGeometry g, int batch, DeviceBuffer input, DeviceBuffer output) {
        CpuPooling.avgPool(g, batch, own(input, (long) batch * g.inputSize(), "average pool input", g).data(),
                own(output, (long) batch * g.outPixels() * g.channels(), "average pool output", g).data(), staging);
    }

    /** AvgPool2D's input gradient. */
    @Override
    public void avgPoolBackward(ConvGeometry g, int batch, DeviceBuffer gradOut, DeviceBuffer gradInput) {
        CpuPooling.avgPoolBackward(g, batch,
                own(gradOut, (long) batch * g.outPixels() * g.channels(), "average pool output gradient", g).data(),
                own(gradInput, (long) batch * g.inputSize(), "average pool input gradient", g).data(), staging);
    }

    /** GlobalAveragePooling2D forward: {@code [batch, height·width, channels]} to {@code [batch, channels]}. */
    @Override
    public void globalAvgPool(int batch, int height, int width, int channels, DeviceBuffer input, DeviceBuffer output) {
        String shape = "global average pool of " + height + "x" + width + "x" + channels;
        CpuPooling.globalAvgPool(batch, height * width, channels,
                own(input, (long) batch * height * width * channels, shape + " input", "").data(),
                own(output, (long) batch * channels, shape + " output", "").data(), scratch);
    }

    /** GlobalAveragePooling2D's input gradient. */
    @Override
    public void globalAvgPoolBackward(int batch, int height, int width, int channels, DeviceBuffer gradOut,
                                      DeviceBuffer gradInput) {
        String shape = "global average pool of " + height + "x" + width + "x" + channels;
        CpuPooling.globalAvgPoolBackward(batch, height * width, channels,
                own(gradOut, (long) batch * channels, shape + " output gradient", "").data(),
                own(gradInput, (long) batch * height * width * channels, shape + " input gradient", "").data(), staging);
    }

    /** ZeroPadding2D forward. */
    @Override
    public void zeroPad(ZeroPadding pad, int batch, int height, int width, int channels, DeviceBuffer input,
                        DeviceBuffer output) {
        long out = (long) batch * pad.outHeight(height) * pad.outWidth(width) * channels;
        CpuPooling.zeroPad(pad, batch, height, width, channels,
                own(input, (long) batch * height * width * channels, "zero padding input", pad).data(),
                own(output, out, "zero padding output", pad).data(), staging);
    }

    /** ZeroPadding2D's input gradient. */
    @Override
    public void zeroPadBackward(ZeroPadding pad, int batch, int height, int width, int channels, DeviceBuffer gradOut,
                                DeviceBuffer gradInput) {
        long out = (long) batch * pad.outHeight(height) * pad.outWidth(width) * channels;
        CpuPooling.zeroPadBackward(pad, batch, height, width, channels,
                own(gradOut, out, "zero padding output gradient", pad).data(),
                own(gradInput, (long) batch * height * width * channels, "zero padding input gradient", pad).data(),
                staging);
    }

    /** BatchNorm inference over {@code [rows, channels]} with the moving statistics; gamma/beta may be null (1/0); y may be x. */
    @Override
    public void batchNormInference(int rows, int channels, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
                                   DeviceBuffer movingMean, DeviceBuffer movingVariance, float epsilon, DeviceBuffer y) {
        CpuBatchNorm.inference(rows, channels, rowsOf(x, rows, channels, "input"), channel(gamma, channels, "gamma"),
                channel(beta, channels, "beta"), channel(movingMean, channels, "moving mean"),
                channel(movingVariance, channels, "moving variance"), epsilon, rowsOf(y, rows, channels, "output"), staging);
    }

    /**
     * BatchNorm training forward: normalises with the batch statistics and writes them (mean and
     * biased variance) to {@code batchMean}/{@code batchVariance}; y may be x.
     */
    @Override
    public void batchNormTraining(int rows, int channels, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
                                  float epsilon, DeviceBuffer y, DeviceBuffer batchMean, DeviceBuffer batchVariance) {
        CpuBatchNorm.training(rows, channels, rowsOf(x, rows, channels, "input"), channel(gamma, channels, "gamma"),
                channel(beta, channels, "beta"), epsilon, rowsOf(y, rows, channels, "output"),
                channel(batchMean, channels, "batch mean"), channel(batchVariance, channels, "batch variance"), staging);
    }

    /**
     * BatchNorm backward. {@code training}: through the batch statistics {@code mean}/{@code variance}
     * of the forward; otherwise those are the moving statistics, held constant. Any of
     * {@code gradInput}, {@code gradGamma}, {@code gradBeta} may be null when not needed.
     */
    @Override
    public void batchNormBackward(boolean training, int rows, int channels, DeviceBuffer x, DeviceBuffer gradOut,
                                  DeviceBuffer gamma, DeviceBuffer mean, DeviceBuffer variance, float epsilon,
                                  DeviceBuffer gradInput, DeviceBuffer gradGamma, DeviceBuffer gradBeta) {
        CpuBatchNorm.backward(training, rows, channels, rowsOf(x, rows, channels, "input"),
                rowsOf(gradOut, rows, channels, "output gradient"), channel(gamma, channels, "gamma"),
                channel(mean, channels, "mean"), channel(variance, channels, "variance"), epsilon,
                gradInput == null ? null : rowsOf(gradInput, rows, channels, "input gradient"),
                channel(gradGamma, channels, "gamma gradient"), channel(gradBeta, channels, "beta gradient"), staging);
    }

    /** Keras's moving-average step, in place: {@code moving = moving·momentum + batch·(1 − momentum)}. */
    @Override
    public void updateMoving(int channels, DeviceBuffer moving, DeviceBuffer batch, float momentum) {
        CpuBatchNorm.updateMoving(channels, channel(moving, channels, "moving statistic"),
                channel(batch, channels, "batch statistic"), momentum);
    }

    @Override
    public void close() {
        if (columns != null) {
            columns.close();
            columns = null;
        }
    }

    /** A 1×1 window at stride 1: the input already is its own column matrix (no padding can arise). */
    private static boolean pointwise(ConvGeometry g) {
        return g.kernelHeight() == 1 && g.kernelWidth() == 1 && g.strideHeight() == 1 && g.strideWidth() == 1;
    }

    private int imagesPerChunk(ConvGeometry g, int batch) {
        long perImage = (long) g.outPixels() * g.windowSize() * g.channels();
        return (int) Math.max(1, Math.min(batch, scratchFloats / perImage));
    }

    /** The column buffer, grown to at least {@code floats}. */
    private FloatPointer columns(long floats) {
        if (columns == null || !columns.isOpen() || columns.length() < floats) {
            close();
            columns = (CpuBuffer) backend.allocate(floats);
        }
        return columns.pointer();
    }

    /** Row-major single-precision GEMM with the operands starting {@code *Off} floats into their buffers. */
    private static void gemm(boolean transA, boolean transB, int m, int n, int k, FloatPointer a, long aOff,
                             FloatPointer b, long bOff, float beta, FloatPointer c, long cOff) {
        if (m == 0 || n == 0) {
            return;
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                m, n, k, 1f, at(a, aOff), transA ? m : k, at(b, bOff), transB ? k : n, beta, at(c, cOff), n);
    }

    /** A non-owning view {@code offset} floats into {@code p} (a small Java object, no native memory). */
    private static FloatPointer at(FloatPointer p, long offset) {
        return offset == 0 ? p : new FloatPointer(p).position(p.position() + offset);
    }

    private FloatBuffer rowsOf(DeviceBuffer b, int rows, int channels, String what) {
        return own(b, (long) rows * channels, "batch norm " + what, rows + "x" + channels).data();
    }

    private FloatBuffer channel(DeviceBuffer b, int channels, String what) {
        return b == null ? null : own(b, channels, "batch norm " + what, channels + " channels").data();
    }

    /** The buffer as this backend's own, open, holding at least {@code needed} floats; errors name {@code what} and the shape. */
    private CpuBuffer own(DeviceBuffer buffer, long needed, String what, Object shape) {
        if (!(buffer instanceof CpuBuffer cb) || cb.owner != backend) {
            throw new IllegalArgumentException(what + " (" + shape + "): buffer " + buffer
                    + " was not allocated by this cpu backend");
        }
        if (cb.length() < needed) {
            throw new IllegalArgumentException(what + " (" + shape + ") needs " + needed
                    + " floats but the buffer holds " + cb.length());
        }
        if (!cb.isOpen()) {
            throw new IllegalStateException(what + " (" + shape + "): buffer of " + cb.length() + " floats was closed");
        }
        return cb;
    }
}
