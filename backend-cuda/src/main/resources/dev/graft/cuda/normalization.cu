// Graft CUDA backend: batch normalisation with Keras 3's semantics over [rows, channels] buffers
// (a channels-last batch is N·H·W rows), per-channel scale/shift, and the two-stage column
// reduction they share with the depthwise kernel gradient. Compiled at run time by NVRTC (see
// CudaKernels). Arithmetic follows dev.graft.conv.ReferenceBatchNormKernels: statistics and the
// normalisation in double, rounded to float once.
//
// Column reductions run in two stages without shared memory or atomics: the rows are cut into
// `chunks` ranges, thread (chunk, c) sums its range of column c into partials[chunk·width + c]
// (consecutive threads read consecutive columns: coalesced), and reduce_partials adds the chunks
// in order. The result does not depend on scheduling, and the source also runs on the CPU in tests.

#include "window.cuh"

__device__ __forceinline__ long long graft_chunk_start(long long rows, long long chunk, int chunks) {
    return rows * chunk / chunks;
}

// partials[chunk, c] = Σ over the chunk's rows of x[r, c], or of (x[r, c] − center[c])² when
// center is not null (the second pass of the two-pass variance).
extern "C" __global__ void column_partials(const float* x, const double* center, int rows, int cols, int chunks,
                                           double* partials) {
    GRAFT_GRID_STRIDE(i, (long long) chunks * cols) {
        long long chunk = i / cols;
        int c = (int) (i % cols);
        long long last = graft_chunk_start(rows, chunk + 1, chunks);
        double sum = 0.0;
        if (center == 0) {
            for (long long r = graft_chunk_start(rows, chunk, chunks); r < last; r++) sum += x[r * cols + c];
        } else {
            double m = center[c];
            for (long long r = graft_chunk_start(rows, chunk, chunks); r < last; r++) {
                double d = x[r * cols + c] - m;
                sum += d * d;
            }
        }
        partials[i] = sum;
    }
}

// partials[chunk, c] = Σ over the chunk's rows of (a[r, c] · b[r, c]), each product rounded to float
// (as multiply followed by column sums would).
extern "C" __global__ void column_dot_partials(const float* a, const float* b, int rows, int cols, int chunks,
                                               double* partials) {
    GRAFT_GRID_STRIDE(i, (long long) chunks * cols) {
        long long chunk = i / cols;
        int c = (int) (i % cols);
        long long last = graft_chunk_start(rows, chunk + 1, chunks);
        double sum = 0.0;
        for (long long r = graft_chunk_start(rows, chunk, chunks); r < last; r++) {
            float p = a[r * cols + c] * b[r * cols + c];
            sum += p;
        }
        partials[i] = sum;
    }
}

// out[c] = (Σ_chunk partials[chunk, c]) / divisor, into `sums` (double) and/or `out` (float); either may be null.
extern "C" __global__ void reduce_partials(const double* partials, int chunks, int width, double divisor,
                                           double* sums, float* out) {
    GRAFT_GRID_STRIDE(c, width) {
        double total = 0.0;
        for (int k = 0; k < chunks; k++) total += partials[(long long) k * width + c];
        total /= divisor;
        if (sums != 0) sums[c] = total;
        if (out != 0) out[c] = (float) total;
    }
}

// y = γ·(x − μ)/√(σ² + ε) + β per channel, in double; μ, σ² from the float buffers (moving statistics)
// or, when those are null, from the double ones (batch statistics). γ, β may be null (1, 0). y may be x.
extern "C" __global__ void batch_norm_apply(const float* x, float* y, long long n, int channels,
                                            const float* gamma, const float* beta,
                                            const float* meanF, const float* varianceF,
                                            const double* meanD, const double* varianceD, float epsilon) {
    GRAFT_GRID_STRIDE(i, n) {
        int c = (int) (i % channels);
        double mean = meanF != 0 ? (double) meanF[c] : meanD[c];
        double variance = varianceF != 0 ? (double) varianceF[c] : varianceD[c];
        double inv = 1.0 / sqrt(variance + (double) epsilon);
        double g = gamma != 0 ? (double) gamma[c] : 1.0;
        double b = beta != 0 ? (double) beta[c] : 0.0;
        y[i] = (float) (g * (x[i] - mean) * inv + b);
    }
}

// Backward, first stage: partials[chunk, c] = Σ dy and partials[chunk, channels + c] = Σ dy·(x − μ)/√(σ² + ε)
// over the chunk's rows (width 2·channels).
extern "C" __global__ void batch_norm_grad_partials(const float* x, const float* dy, int rows, int channels,
                                                    int chunks, const float* mean, const float* variance,
                                                    float epsilon, double* partials) {
    GRAFT_GRID_STRIDE(i, (long long) chunks * channels) {
        long long chunk = i / channels;
        int c = (int) (i % channels);
        double m = mean[c];
        double inv = 1.0 / sqrt((double) variance[c] + (double) epsilon);
        long long last = graft_chunk_start(rows, chunk + 1, chunks);
        double sumDy = 0.0, sumDyXHat = 0.0;
        for (long long r = graft_chunk_start(rows, chunk, chunks); r < last; r++) {
            float g = dy[r * channels + c];
            sumDy += g;
            sumDyXHat += g * (x[r * channels + c] - m) * inv;
        }
        partials[chunk * 2 * channels + c] = sumDy;
        partials[chunk * 2 * channels + channels + c] = sumDyXHat;
    }
}

// gradBeta = sums[0..channels), gradGamma = sums[channels..2·channels); either may be null.
extern "C" __global__ void batch_norm_param_grads(const double* sums, int channels, float* gradGamma, float* gradBeta) {
    GRAFT_GRID_STRIDE(c, channels) {
        if (gradBeta != 0) gradBeta[c] = (float) sums[c];
        if (gradGamma != 0) gradGamma[c] = (float) sums[channels + c];
    }
}

// dx = γ/√(σ² + ε) · (dy − dβ/rows − x̂·dγ/rows) through the batch statistics (training != 0, sums holding
// dβ then dγ), or γ/√(σ² + ε) · dy with constant statistics (training == 0, sums unused).
extern "C" __global__ void batch_norm_grad_input(const float* x, const float* dy, float* dx, int rows, int channels,
                                                 const float* gamma, const float* mean, const float* variance,
                                                 float epsilon, const double* sums, int training) {
    GRAFT_GRID_STRIDE(i, (long long) rows * channels) {
        int c = (int) (i % channels);
        double inv = 1.0 / sqrt((double) variance[c] + (double) epsilon);
        double g = gamma != 0 ? (double) gamma[c] : 1.0;
        if (training != 0) {
            double xHat = (x[i] - (double) mean[c]) * inv;
            dx[i] = (float) (g * inv * (dy[i] - sums[c] / rows - xHat * sums[channels + c] / rows));
        } else {
            dx[i] = (float) (g * inv * dy[i]);
        }
    }
}

// moving = moving·momentum + batch·(1 − momentum), in double, per channel.
extern "C" __global__ void batch_norm_update_moving(float* moving, const float* batch, int channels, float momentum) {
    GRAFT_GRID_STRIDE(c, channels) {
        moving[c] = (float) ((double) moving[c] * momentum + (double) batch[c] * (1.0 - (double) momentum));
    }
}

// x[r, c] = x[r, c]·scale[c] + shift[c], in float; scale or shift may be null (1 or 0).
extern "C" __global__ void channel_scale_shift(float* x, const float* scale, const float* shift, long long n, int cols) {
    GRAFT_GRID_STRIDE(i, n) {
        int c = (int) (i % cols);
        float v = x[i];
        if (scale != 0) v = v * scale[c];
        if (shift != 0) v = v + shift[c];
        x[i] = v;
    }
}
