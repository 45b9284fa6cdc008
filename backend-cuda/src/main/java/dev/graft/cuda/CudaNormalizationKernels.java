package dev.graft.cuda;

import dev.graft.spi.ChannelKernels;
import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.NormalizationKernels;

/**
 * Batch normalisation (Keras 3's semantics) and per-channel scale/shift on the GPU, from
 * {@code normalization.cu}, with the arithmetic of {@link dev.graft.conv.ReferenceBatchNormKernels}:
 * statistics and normalisation in double, rounded to float once. Per-channel sums (batch mean, the
 * two-pass biased variance, the gradients of β and γ, column dot products) are two-stage column
 * reductions: row ranges summed into partials, then the ranges added in order, so results do not
 * depend on scheduling. The batch statistics stay in double between the kernels of one call, in the
 * shared {@link CudaScratch}.
 */
final class CudaNormalizationKernels implements NormalizationKernels, ChannelKernels {

    private final CudaKernelDevice device;
    private final CudaScratch scratch;

    CudaNormalizationKernels(CudaKernelDevice device, CudaScratch scratch) {
        this.device = device;
        this.scratch = scratch;
    }

    @Override
    public void batchNormInference(int rows, int channels, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
                                   DeviceBuffer movingMean, DeviceBuffer movingVariance, float epsilon, DeviceBuffer y) {
        String shape = shape(rows, channels);
        long n = (long) rows * channels;
        long px = device.address(x, n, "batch norm input", shape);
        long py = device.address(y, n, "batch norm output", shape);
        device.prepare(CudaKernel.BATCH_NORM_APPLY).ptr(px).ptr(py).i64(n).i32(channels)
                .ptr(optional(gamma, channels, "batch norm gamma", shape)).ptr(optional(beta, channels, "batch norm beta", shape))
                .ptr(device.address(movingMean, channels, "batch norm moving mean", shape))
                .ptr(device.address(movingVariance, channels, "batch norm moving variance", shape))
                .ptr(0).ptr(0).f32(epsilon).launch(CudaLaunch.gridFor(n), CudaLaunch.THREADS);
    }

    @Override
    public void batchNormTraining(int rows, int channels, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
                                  float epsilon, DeviceBuffer y, DeviceBuffer batchMean, DeviceBuffer batchVariance) {
        String shape = shape(rows, channels);
        long n = (long) rows * channels;
        long px = device.address(x, n, "batch norm input", shape);
        long py = device.address(y, n, "batch norm output", shape);
        long pg = optional(gamma, channels, "batch norm gamma", shape);
        long pb = optional(beta, channels, "batch norm beta", shape);
        long mean = device.address(batchMean, channels, "batch norm batch mean", shape);
        long variance = device.address(batchVariance, channels, "batch norm batch variance", shape);
        long sums = scratch.sums(2L * channels);
        long meanD = sums;
        long varianceD = sums + 8L * channels;
        columnSums(px, 0, rows, channels, meanD, mean);
        columnSums(px, meanD, rows, channels, varianceD, variance);
        device.prepare(CudaKernel.BATCH_NORM_APPLY).ptr(px).ptr(py).i64(n).i32(channels).ptr(pg).ptr(pb)
                .ptr(0).ptr(0).ptr(meanD).ptr(varianceD).f32(epsilon).launch(CudaLaunch.gridFor(n), CudaLaunch.THREADS);
    }

    /** Per-channel Σ x (center 0) or Σ (x − center)² divided by rows, into {@code sumsD} (double) and {@code out} (float). */
    private void columnSums(long x, long center, int rows, int channels, long sumsD, long out) {
        int chunks = CudaLaunch.reductionChunks(rows, channels);
        long partials = scratch.partials((long) chunks * channels);
        device.prepare(CudaKernel.COLUMN_PARTIALS).ptr(x).ptr(center).i32(rows).i32(channels).i32(chunks).ptr(partials)
                .launch(CudaLaunch.gridFor((long) chunks * channels), CudaLaunch.THREADS);
        device.prepare(CudaKernel.REDUCE_PARTIALS).ptr(partials).i32(chunks).i32(channels).f64(rows).ptr(sumsD).ptr(out)
                .launch(CudaLaunch.gridFor(channels), CudaLaunch.THREADS);
    }

    @Override
    public void batchNormBackward(boolean training, int rows, int channels, DeviceBuffer x, DeviceBuffer gradOut,
                                  DeviceBuffer gamma, DeviceBuffer mean, DeviceBuffer variance, float epsilon,
                                  DeviceBuffer gradInput, DeviceBuffer gradGamma, DeviceBuffer gradBeta) {
        String shape = shape(rows, channels);
        long n = (long) rows * channels;
        long px = device.address(x, n, "batch norm input", shape);
        long dy = device.address(gradOut, n, "batch norm output gradient", shape);
        long pg = optional(gamma, channels, "batch norm gamma", shape);
        long pm = device.address(mean, channels, "batch norm mean", shape);
        long pv = device.address(variance, channels, "batch norm variance", shape);
        long dx = optional(gradInput, n, "batch norm input gradient", shape);
        long dGamma = optional(gradGamma, channels, "batch norm gamma gradient", shape);
        long dBeta = optional(gradBeta, channels, "batch norm beta gradient", shape);
        long sums = 0;
        if (training && dx != 0 || dGamma != 0 || dBeta != 0) {
            int width = 2 * channels;
            int chunks = CudaLaunch.reductionChunks(rows, width);
            long partials = scratch.partials((long) chunks * width);
            sums = scratch.sums(width);
            device.prepare(CudaKernel.BATCH_NORM_GRAD_PARTIALS).ptr(px).ptr(dy).i32(rows).i32(channels).i32(chunks)
                    .ptr(pm).ptr(pv).f32(epsilon).ptr(partials).launch(CudaLaunch.gridFor((long) chunks * channels), CudaLaunch.THREADS);
            device.prepare(CudaKernel.REDUCE_PARTIALS).ptr(partials).i32(chunks).i32(width).f64(1.0).ptr(sums).ptr(0)
                    .launch(CudaLaunch.gridFor(width), CudaLaunch.THREADS);
            if (dGamma != 0 || dBeta != 0) {
                device.prepare(CudaKernel.BATCH_NORM_PARAM_GRADS).ptr(sums).i32(channels).ptr(dGamma).ptr(dBeta)
                        .launch(CudaLaunch.gridFor(channels), CudaLaunch.THREADS);
            }
        }
        if (dx != 0) {
            device.prepare(CudaKernel.BATCH_NORM_GRAD_INPUT).ptr(px).ptr(dy).ptr(dx).i32(rows).i32(channels).ptr(pg)
                    .ptr(pm).ptr(pv).f32(epsilon).ptr(sums).i32(training ? 1 : 0)
                    .launch(CudaLaunch.gridFor(n), CudaLaunch.THREADS);
        }
    }

    @Override
    public void updateMoving(int channels, DeviceBuffer moving, DeviceBuffer batch, float momentum) {
        String shape = channels + " channels";
        if (channels < 1) {
            throw new IllegalArgumentException("batch norm needs at least one channel, got " + channels);
        }
        device.prepare(CudaKernel.BATCH_NORM_UPDATE_MOVING).ptr(device.address(moving, channels, "moving statistic", shape))
                .ptr(device.address(batch, channels, "batch statistic", shape)).i32(channels).f32(momentum)
                .launch(CudaLaunch.gridFor(channels), CudaLaunch.THREADS);
    }

    @Override
    public void scaleShift(DeviceBuffer x, DeviceBuffer scale, DeviceBuffer shift, int rows, int cols) {
        String shape = rows + "x" + cols;
        CudaArgs.checkShape(rows, cols, "scaleShift");
        long n = (long) rows * cols;
        long px = device.address(x, n, "scaleShift x", shape);
        long ps = device.address(scale, cols, "scaleShift scale", shape);
        long pt = optional(shift, cols, "scaleShift shift", shape);
        if (n > 0) {
            device.prepare(CudaKernel.CHANNEL_SCALE_SHIFT).ptr(px).ptr(ps).ptr(pt).i64(n).i32(cols)
                    .launch(CudaLaunch.gridFor(n), CudaLaunch.THREADS);
        }
    }

    @Override
    public void columnDots(DeviceBuffer a, DeviceBuffer b, int rows, int cols, DeviceBuffer out) {
        String shape = rows + "x" + cols;
        CudaArgs.checkShape(rows, cols, "columnDots");
        long n = (long) rows * cols;
        long pa = device.address(a, n, "columnDots a", shape);
        long pb = device.address(b, n, "columnDots b", shape);
        long po = device.address(out, cols, "columnDots out", shape);
        if (cols == 0) {
            return;
        }
        if (rows == 0) {
            device.zero(po, cols);
            return;
        }
        int chunks = CudaLaunch.reductionChunks(rows, cols);
        long partials = scratch.partials((long) chunks * cols);
        device.prepare(CudaKernel.COLUMN_DOT_PARTIALS).ptr(pa).ptr(pb).i32(rows).i32(cols).i32(chunks).ptr(partials)
                .launch(CudaLaunch.gridFor((long) chunks * cols), CudaLaunch.THREADS);
        device.prepare(CudaKernel.REDUCE_PARTIALS).ptr(partials).i32(chunks).i32(cols).f64(1.0).ptr(0).ptr(po)
                .launch(CudaLaunch.gridFor(cols), CudaLaunch.THREADS);
    }

    private long optional(DeviceBuffer buffer, long floats, String what, String shape) {
        return buffer == null ? 0 : device.address(buffer, floats, what, shape);
    }

    private static String shape(int rows, int channels) {
        if (rows < 1 || channels < 1) {
            throw new IllegalArgumentException("batch norm needs rows >= 1 and channels >= 1 (rows = batch·height·width, "
                    + "channels last), got " + rows + "x" + channels);
        }
        return rows + "x" + channels + " (rows = batch·height·width, channels last)";
    }
}
