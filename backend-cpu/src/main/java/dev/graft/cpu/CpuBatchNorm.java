package dev.graft.cpu;

import java.nio.FloatBuffer;

/**
 * Batch normalisation over {@code [rows, channels]} off-heap data (a channels-last batch is
 * {@code N·H·W} rows), with Keras's semantics (see {@link dev.graft.conv.ReferenceBatchNormKernels}).
 * Rows are staged in L1-sized chunks; per-channel constants are tiled to the chunk's shape so that
 * every loop is a flat {@code i}-indexed loop C2 vectorises (see {@link CpuScratch}). Sums run in
 * float per lane and are folded into double every {@value #FOLD_EVERY} chunks and at the end.
 */
final class CpuBatchNorm {

    /** Chunks summed in float before the per-lane sums are folded into the double totals. */
    static final int FOLD_EVERY = 16;

    private CpuBatchNorm() {
    }

    /** {@code y = γ·(x − mean)/√(variance + ε) + β} with the given (moving) statistics; {@code y} may be {@code x}. */
    static void inference(int rows, int channels, FloatBuffer x, FloatBuffer gamma, FloatBuffer beta,
                          FloatBuffer mean, FloatBuffer variance, float epsilon, FloatBuffer y, CpuConvStaging s) {
        double[] m = new double[channels];
        double[] v = new double[channels];
        for (int c = 0; c < channels; c++) {
            m[c] = mean.get(c);
            v[c] = variance.get(c);
        }
        normalise(rows, channels, x, gamma, beta, m, v, epsilon, y, s);
    }

    /**
     * Training forward: normalises with the batch mean and biased batch variance, which it writes
     * to {@code batchMean} and {@code batchVariance}; {@code y} may be {@code x}.
     */
    static void training(int rows, int channels, FloatBuffer x, FloatBuffer gamma, FloatBuffer beta, float epsilon,
                         FloatBuffer y, FloatBuffer batchMean, FloatBuffer batchVariance, CpuConvStaging s) {
        int perChunk = Math.max(1, CpuScratch.CHUNK / channels);
        int len = perChunk * channels;
        float[] xs = s.image(len);
        float[] acc = s.zeroedOther(len);
        double[] total = new double[channels];
        int chunks = 0;
        for (int r0 = 0; r0 < rows; r0 += perChunk) {
            int n = Math.min(perChunk, rows - r0) * channels;
            x.get(r0 * channels, xs, 0, n);
            for (int i = 0; i < n; i++) {
                acc[i] += xs[i];
            }
            if (++chunks % FOLD_EVERY == 0) {
                fold(acc, perChunk, channels, total);
            }
        }
        fold(acc, perChunk, channels, total);
        double[] mean = new double[channels];
        float[] meanF = s.weights(channels);
        for (int c = 0; c < channels; c++) {
            mean[c] = total[c] / rows;
            meanF[c] = (float) mean[c];
            total[c] = 0;
        }
        float[] m = s.tile(0, len);
        CpuConvStaging.repeat(meanF, channels, perChunk, m);
        for (int r0 = 0; r0 < rows; r0 += perChunk) {
            int n = Math.min(perChunk, rows - r0) * channels;
            x.get(r0 * channels, xs, 0, n);
            for (int i = 0; i < n; i++) {
                float d = xs[i] - m[i];
                acc[i] += d * d;
            }
            if (++chunks % FOLD_EVERY == 0) {
                fold(acc, perChunk, channels, total);
            }
        }
        fold(acc, perChunk, channels, total);
        double[] variance = new double[channels];
        for (int c = 0; c < channels; c++) {
            variance[c] = total[c] / rows;
            batchMean.put(c, (float) mean[c]);
            batchVariance.put(c, (float) variance[c]);
        }
        normalise(rows, channels, x, gamma, beta, mean, variance, epsilon, y, s);
    }

    private static void normalise(int rows, int channels, FloatBuffer x, FloatBuffer gamma, FloatBuffer beta,
                                  double[] mean, double[] variance, float epsilon, FloatBuffer y, CpuConvStaging s) {
        int perChunk = Math.max(1, CpuScratch.CHUNK / channels);
        int len = perChunk * channels;
        float[] scale = s.tile(4, channels);
        float[] shift = s.tile(5, channels);
        for (int c = 0; c < channels; c++) {
            double k = (gamma == null ? 1 : gamma.get(c)) / Math.sqrt(variance[c] + epsilon);
            scale[c] = (float) k;
            shift[c] = (float) ((beta == null ? 0 : beta.get(c)) - mean[c] * k);
        }
        float[] a = s.tile(0, len);
        float[] b = s.tile(1, len);
        CpuConvStaging.repeat(scale, channels, perChunk, a);
        CpuConvStaging.repeat(shift, channels, perChunk, b);
        CpuChannelKernels.scaleShiftChunks(x, y, rows, channels, perChunk, a, b, s.image(len));
    }

    /**
     * Backward of either mode. {@code mean}/{@code variance} are the statistics the forward used (batch
     * statistics when {@code training}, moving ones otherwise). Writes {@code gradGamma},
     * {@code gradBeta} and {@code gradInput}; each may be null when not wanted (a frozen BatchNorm
     * needs no parameter gradients, the lowest trainable layer no input gradient).
     */
    static void backward(boolean training, int rows, int channels, FloatBuffer x, FloatBuffer gradOut,
                         FloatBuffer gamma, FloatBuffer mean, FloatBuffer variance, float epsilon,
                         FloatBuffer gradInput, FloatBuffer gradGamma, FloatBuffer gradBeta, CpuConvStaging s) {
        int perChunk = Math.max(1, CpuScratch.CHUNK / channels);
        int len = perChunk * channels;
        float[] meanC = s.tile(4, channels);
        float[] invC = s.tile(5, channels);
        double[] inv = new double[channels];
        for (int c = 0; c < channels; c++) {
            meanC[c] = mean.get(c);
            inv[c] = 1 / Math.sqrt((double) variance.get(c) + epsilon);
            invC[c] = (float) inv[c];
        }
        float[] m = s.tile(0, len);
        float[] k = s.tile(1, len);
        CpuConvStaging.repeat(meanC, channels, perChunk, m);
        CpuConvStaging.repeat(invC, channels, perChunk, k);
        float[] xs = s.image(len);
        float[] dy = s.block(len);
        double[] sumG = new double[channels];
        double[] sumB = new double[channels];
        if (training || gradGamma != null || gradBeta != null) {
            float[] accG = s.zeroedOther(len);
            float[] accB = s.tile(2, len);
            java.util.Arrays.fill(accB, 0, len, 0f);
            int chunks = 0;
            for (int r0 = 0; r0 < rows; r0 += perChunk) {
                int n = Math.min(perChunk, rows - r0) * channels;
                x.get(r0 * channels, xs, 0, n);
                gradOut.get(r0 * channels, dy, 0, n);
                for (int i = 0; i < n; i++) {
                    accG[i] += dy[i] * ((xs[i] - m[i]) * k[i]);
                    accB[i] += dy[i];
                }
                if (++chunks % FOLD_EVERY == 0) {
                    fold(accG, perChunk, channels, sumG);
                    fold(accB, perChunk, channels, sumB);
                }
            }
            fold(accG, perChunk, channels, sumG);
            fold(accB, perChunk, channels, sumB);
            for (int c = 0; c < channels; c++) {
                if (gradGamma != null) {
                    gradGamma.put(c, (float) sumG[c]);
                }
                if (gradBeta != null) {
                    gradBeta.put(c, (float) sumB[c]);
                }
            }
        }
        if (gradInput == null) {
            return;
        }
        // dx = A·dy + B·(x − mean) + E, with B = E = 0 in inference mode
        float[] aC = s.weights(3 * channels);
        for (int c = 0; c < channels; c++) {
            double a = (gamma == null ? 1 : gamma.get(c)) * inv[c];
            aC[c] = (float) a;
            aC[channels + c] = training ? (float) (-a * sumG[c] * inv[c] / rows) : 0f;
            aC[2 * channels + c] = training ? (float) (-a * sumB[c] / rows) : 0f;
        }
        float[] a = s.tile(1, len);
        float[] b = s.tile(2, len);
        float[] e = s.tile(3, len);
        CpuConvStaging.repeat(aC, channels, perChunk, a);
        System.arraycopy(aC, channels, aC, 0, channels);
        CpuConvStaging.repeat(aC, channels, perChunk, b);
        System.arraycopy(aC, 2 * channels, aC, 0, channels);
        CpuConvStaging.repeat(aC, channels, perChunk, e);
        for (int r0 = 0; r0 < rows; r0 += perChunk) {
            int n = Math.min(perChunk, rows - r0) * channels;
            x.get(r0 * channels, xs, 0, n);
            gradOut.get(r0 * channels, dy, 0, n);
            for (int i = 0; i < n; i++) {
                xs[i] = a[i] * dy[i] + b[i] * (xs[i] - m[i]) + e[i];
            }
            gradInput.put(r0 * channels, xs, 0, n);
        }
    }

    /** Keras's moving-average step in place: {@code moving = moving·momentum + batch·(1 − momentum)}. */
    static void updateMoving(int channels, FloatBuffer moving, FloatBuffer batch, float momentum) {
        for (int c = 0; c < channels; c++) {
            moving.put(c, (float) ((double) moving.get(c) * momentum + (double) batch.get(c) * (1 - (double) momentum)));
        }
    }

    /** Adds a chunk-shaped float accumulator's rows into per-channel double totals and clears it. */
    private static void fold(float[] acc, int perChunk, int channels, double[] total) {
        for (int r = 0; r < perChunk; r++) {
            for (int c = 0; c < channels; c++) {
                total[c] += acc[r * channels + c];
                acc[r * channels + c] = 0f;
            }
        }
    }
}
