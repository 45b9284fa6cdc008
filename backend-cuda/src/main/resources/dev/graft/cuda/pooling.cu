// Graft CUDA backend: pooling and zero padding over channels-last (NHWC) images with TensorFlow's
// semantics: max pooling ignores padding and sends each gradient to the first maximum of its window
// in scan order; average pooling divides by the window's in-image cells (padding excluded).
// Compiled at run time by NVRTC (see CudaKernels). As in conv.cu, every kernel is a grid-stride
// gather (each thread writes only its own outputs), so the source also runs on the CPU in tests.

#include "window.cuh"

// Offset in the image at `img` of the first largest in-image value of window (oy, ox), channel c.
// TF's SAME and VALID rules leave at least one in-image cell in every window.
__device__ __forceinline__ long long graft_first_max(const float* x, long long img, int oy, int ox, int c,
                                                     GRAFT_GEOMETRY) {
    long long best = -1;
    float bestValue = 0.0f;
    graft_for_window_cells(oy, ox, GRAFT_GEOMETRY_ARGS, [&](int, int, int iy, int ix) {
        long long at = ((img * H + iy) * W + ix) * C + c;
        float v = x[at];
        if (best < 0 || v > bestValue) {
            best = at;
            bestValue = v;
        }
    });
    return best;
}

__device__ __forceinline__ int graft_in_image_cells(int oy, int ox, GRAFT_GEOMETRY) {
    int rows = 0, cols = 0;
    for (int ky = 0; ky < KH; ky++) {
        int iy = oy * SH - PT + ky * DH;
        rows += (iy >= 0 && iy < H) ? 1 : 0;
    }
    for (int kx = 0; kx < KW; kx++) {
        int ix = ox * SW - PL + kx * DW;
        cols += (ix >= 0 && ix < W) ? 1 : 0;
    }
    return rows * cols;
}

extern "C" __global__ void max_pool_forward(const float* x, float* y, int batch, GRAFT_GEOMETRY) {
    long long n = (long long) batch * OH * OW * C;
    GRAFT_GRID_STRIDE(i, n) {
        GRAFT_NHWC(i, OH, OW, C, img, oy, ox, c);
        y[i] = x[graft_first_max(x, img, oy, ox, c, GRAFT_GEOMETRY_ARGS)];
    }
}

// One thread per input element: the sum of the output gradients of the windows whose first
// maximum it is.
extern "C" __global__ void max_pool_backward(const float* x, const float* dy, float* dx, int batch, GRAFT_GEOMETRY) {
    long long n = (long long) batch * H * W * C;
    GRAFT_GRID_STRIDE(i, n) {
        GRAFT_NHWC(i, H, W, C, img, iy, ix, c);
        float sum = 0.0f;
        graft_for_covering_windows(iy, ix, GRAFT_GEOMETRY_ARGS, [&](int, int, int oy, int ox) {
            if (graft_first_max(x, img, oy, ox, c, GRAFT_GEOMETRY_ARGS) == i) {
                sum += dy[((img * OH + oy) * OW + ox) * C + c];
            }
        });
        dx[i] = sum;
    }
}

extern "C" __global__ void avg_pool_forward(const float* x, float* y, int batch, GRAFT_GEOMETRY) {
    long long n = (long long) batch * OH * OW * C;
    GRAFT_GRID_STRIDE(i, n) {
        GRAFT_NHWC(i, OH, OW, C, img, oy, ox, c);
        double sum = 0.0;
        graft_for_window_cells(oy, ox, GRAFT_GEOMETRY_ARGS, [&](int, int, int iy, int ix) {
            sum += x[((img * H + iy) * W + ix) * C + c];
        });
        y[i] = (float) (sum / graft_in_image_cells(oy, ox, GRAFT_GEOMETRY_ARGS));
    }
}

// One thread per input element: each covering window's gradient divided by that window's in-image cells.
extern "C" __global__ void avg_pool_backward(const float* dy, float* dx, int batch, GRAFT_GEOMETRY) {
    long long n = (long long) batch * H * W * C;
    GRAFT_GRID_STRIDE(i, n) {
        GRAFT_NHWC(i, H, W, C, img, iy, ix, c);
        double sum = 0.0;
        graft_for_covering_windows(iy, ix, GRAFT_GEOMETRY_ARGS, [&](int, int, int oy, int ox) {
            sum += dy[((img * OH + oy) * OW + ox) * C + c] * (1.0 / graft_in_image_cells(oy, ox, GRAFT_GEOMETRY_ARGS));
        });
        dx[i] = (float) sum;
    }
}

// y[n, c] = mean over the image's pixels of x[n, p, c]; one thread per (n, c), reading along rows
// of consecutive channels (coalesced).
extern "C" __global__ void global_avg_forward(const float* x, float* y, int batch, int pixels, int channels) {
    long long n = (long long) batch * channels;
    GRAFT_GRID_STRIDE(i, n) {
        long long img = i / channels;
        int c = (int) (i % channels);
        const float* base = x + img * pixels * channels + c;
        double sum = 0.0;
        for (int p = 0; p < pixels; p++) sum += base[(long long) p * channels];
        y[i] = (float) (sum / pixels);
    }
}

extern "C" __global__ void global_avg_backward(const float* dy, float* dx, int batch, int pixels, int channels) {
    long long n = (long long) batch * pixels * channels;
    GRAFT_GRID_STRIDE(i, n) {
        int c = (int) (i % channels);
        long long img = i / ((long long) pixels * channels);
        dx[i] = (float) ((double) dy[img * channels + c] / pixels);
    }
}

// y [batch, OH, OW, C] = x [batch, H, W, C] placed at (top, left), zeros around it.
extern "C" __global__ void zero_pad_forward(const float* x, float* y, int batch, int H, int W, int C,
                                            int top, int left, int OH, int OW) {
    long long n = (long long) batch * OH * OW * C;
    GRAFT_GRID_STRIDE(i, n) {
        int c = (int) (i % C);
        int ix = (int) ((i / C) % OW) - left;
        int iy = (int) ((i / ((long long) C * OW)) % OH) - top;
        long long img = i / ((long long) C * OW * OH);
        y[i] = (iy >= 0 && iy < H && ix >= 0 && ix < W) ? x[((img * H + iy) * W + ix) * C + c] : 0.0f;
    }
}

extern "C" __global__ void zero_pad_backward(const float* dy, float* dx, int batch, int H, int W, int C,
                                             int top, int left, int OH, int OW) {
    long long n = (long long) batch * H * W * C;
    GRAFT_GRID_STRIDE(i, n) {
        GRAFT_NHWC(i, H, W, C, img, iy, ix, c);
        dx[i] = dy[((img * OH + iy + top) * OW + ix + left) * C + c];
    }
}
