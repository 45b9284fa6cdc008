// Graft CUDA backend: convolution kernels over channels-last (NHWC) images with TensorFlow's
// geometry (see dev.graft.spi.ConvGeometry): im2col / col2im around cuBLAS for Conv2D, and direct
// kernels for DepthwiseConv2D. Compiled at run time by NVRTC (see CudaKernels).
//
// Every kernel is a grid-stride loop in which each thread computes whole output elements from its
// inputs (a gather): no shared memory, no atomics, no thread ever reads what another writes. So the
// results do not depend on scheduling, and the same source also compiles as plain C++ with a small
// shim header that runs the grid as loops (the tests do that to check the kernels on the CPU).
// Only NVRTC built-ins are used; the one #include, window.cuh, is inlined by CudaKernels.source.

#include "window.cuh"

// cols[(n·OH + oy)·OW + ox, (ky·KW + kx)·C + c] = x[n, oy·SH − PT + ky·DH, ox·SW − PL + kx·DW, c],
// zero outside the image, for the `count` images at x. The row-major [pixels, KH·KW·C] matrix
// times the [KH·KW·C, filters] kernel is the convolution.
extern "C" __global__ void im2col(const float* x, float* cols, int count, GRAFT_GEOMETRY) {
    long long K = (long long) KH * KW * C;
    long long n = (long long) count * OH * OW * K;
    GRAFT_GRID_STRIDE(i, n) {
        long long row = i / K;
        int col = (int) (i - row * K);
        int c = col % C;
        int kx = (col / C) % KW;
        int ky = col / (C * KW);
        int ox = (int) (row % OW);
        int oy = (int) ((row / OW) % OH);
        long long img = row / ((long long) OW * OH);
        int iy = oy * SH - PT + ky * DH;
        int ix = ox * SW - PL + kx * DW;
        cols[i] = (iy >= 0 && iy < H && ix >= 0 && ix < W) ? x[((img * H + iy) * W + ix) * C + c] : 0.0f;
    }
}

// The adjoint of im2col: dx[n, iy, ix, c] = the sum of every cols entry im2col read from there.
// One thread per input element gathers them, so dx is written, not accumulated into.
extern "C" __global__ void col2im(const float* cols, float* dx, int count, GRAFT_GEOMETRY) {
    long long K = (long long) KH * KW * C;
    long long n = (long long) count * H * W * C;
    GRAFT_GRID_STRIDE(i, n) {
        GRAFT_NHWC(i, H, W, C, img, iy, ix, c);
        float sum = 0.0f;
        graft_for_covering_windows(iy, ix, GRAFT_GEOMETRY_ARGS, [&](int ky, int kx, int oy, int ox) {
            sum += cols[((img * OH + oy) * OW + ox) * K + (ky * KW + kx) * C + c];
        });
        dx[i] = sum;
    }
}

// DepthwiseConv2D forward: y[n, oy, ox, c·M + m] = bias[c·M + m] + Σ x[n, iy, ix, c] · k[ky, kx, c, m].
// bias may be null.
extern "C" __global__ void depthwise_forward(const float* x, const float* k, const float* bias, float* y,
                                             int batch, int M, GRAFT_GEOMETRY) {
    int OC = C * M;
    long long n = (long long) batch * OH * OW * OC;
    GRAFT_GRID_STRIDE(i, n) {
        GRAFT_NHWC(i, OH, OW, OC, img, oy, ox, oc);
        int c = oc / M;
        float sum = 0.0f;
        graft_for_window_cells(oy, ox, GRAFT_GEOMETRY_ARGS, [&](int ky, int kx, int iy, int ix) {
            sum += x[((img * H + iy) * W + ix) * C + c] * k[(ky * KW + kx) * OC + oc];
        });
        y[i] = bias != 0 ? sum + bias[oc] : sum;
    }
}

// DepthwiseConv2D's input gradient, one thread per input element:
// dx[n, iy, ix, c] = Σ over m and the windows covering (iy, ix) of dy[n, oy, ox, c·M + m] · k[ky, kx, c, m].
extern "C" __global__ void depthwise_backward_input(const float* dy, const float* k, float* dx,
                                                    int batch, int M, GRAFT_GEOMETRY) {
    int OC = C * M;
    long long n = (long long) batch * H * W * C;
    GRAFT_GRID_STRIDE(i, n) {
        GRAFT_NHWC(i, H, W, C, img, iy, ix, c);
        float sum = 0.0f;
        graft_for_covering_windows(iy, ix, GRAFT_GEOMETRY_ARGS, [&](int ky, int kx, int oy, int ox) {
            const float* g = dy + ((img * OH + oy) * OW + ox) * OC + (long long) c * M;
            const float* w = k + (ky * KW + kx) * OC + c * M;
            for (int m = 0; m < M; m++) sum += g[m] * w[m];
        });
        dx[i] = sum;
    }
}

// DepthwiseConv2D's kernel gradient, first stage: the output pixels (batch·OH·OW rows) are cut into
// `chunks` ranges; partials[chunk, e] = Σ over the chunk of x[n, iy, ix, c] · dy[n, oy, ox, oc] for
// kernel element e = (ky·KW + kx)·OC + oc. reduce_partials (normalization.cu) adds the chunks.
extern "C" __global__ void depthwise_kernel_partials(const float* x, const float* dy, double* partials,
                                                     int batch, int M, int chunks, GRAFT_GEOMETRY) {
    int OC = C * M;
    long long width = (long long) KH * KW * OC;
    long long rows = (long long) batch * OH * OW;
    GRAFT_GRID_STRIDE(i, chunks * width) {
        long long chunk = i / width;
        int e = (int) (i - chunk * width);
        int oc = e % OC;
        int kx = (e / OC) % KW;
        int ky = e / (OC * KW);
        int c = oc / M;
        long long first = rows * chunk / chunks;
        long long last = rows * (chunk + 1) / chunks;
        double sum = 0.0;
        for (long long r = first; r < last; r++) {
            int ox = (int) (r % OW);
            int oy = (int) ((r / OW) % OH);
            long long img = r / ((long long) OW * OH);
            int iy = oy * SH - PT + ky * DH;
            int ix = ox * SW - PL + kx * DW;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            sum += (double) x[((img * H + iy) * W + ix) * C + c] * dy[r * OC + oc];
        }
        partials[i] = sum;
    }
}
