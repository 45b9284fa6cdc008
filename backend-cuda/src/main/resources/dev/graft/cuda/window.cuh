// Shared by conv.cu, pooling.cu and normalization.cu, which name it in an `#include "window.cuh"`
// line; CudaKernels.source puts this text in that line's place (NVRTC gets one self-contained
// source, and the tests compile exactly that text). Guarded, because the CPU tests compile the
// three files as one translation unit.
#ifndef GRAFT_WINDOW_CUH
#define GRAFT_WINDOW_CUH

// The 13 geometry arguments every windowed kernel takes, in ConvGeometry's order: input height,
// width, channels; window height, width; strides; dilations; top and left padding; output size.
#define GRAFT_GEOMETRY int H, int W, int C, int KH, int KW, int SH, int SW, int DH, int DW, \
                       int PT, int PL, int OH, int OW

// The same 13 arguments passed on, for helpers that take GRAFT_GEOMETRY.
#define GRAFT_GEOMETRY_ARGS H, W, C, KH, KW, SH, SW, DH, DW, PT, PL, OH, OW

#define GRAFT_GRID_STRIDE(i, n) \
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < (n); \
         i += (long long) gridDim.x * blockDim.x)

// Declares the coordinates of element i of a batch of ROWS x COLS x CH images stored NHWC (channels
// last): image img, row y, column x, channel c.
#define GRAFT_NHWC(i, ROWS, COLS, CH, img, y, x, c) \
    int c = (int) ((i) % (CH)); \
    int x = (int) (((i) / (CH)) % (COLS)); \
    int y = (int) (((i) / ((long long) (CH) * (COLS))) % (ROWS)); \
    long long img = (i) / ((long long) (CH) * (COLS) * (ROWS))

// Output position o (0 <= o < OUT) whose window cell k (stride S, dilation D, padding P) lands on
// input position i, or -1 when there is none.
__device__ __forceinline__ int graft_window_origin(int i, int k, int S, int D, int P, int OUT) {
    int t = i + P - k * D;
    if (t < 0 || t % S != 0) return -1;
    int o = t / S;
    return o < OUT ? o : -1;
}

// Calls body(ky, kx, iy, ix) for every cell (ky, kx) of the window of output position (oy, ox)
// that lies in the image, at input position (iy, ix); rows, then columns, in scan order.
template <typename Body>
__device__ __forceinline__ void graft_for_window_cells(int oy, int ox, GRAFT_GEOMETRY, Body body) {
    for (int ky = 0; ky < KH; ky++) {
        int iy = oy * SH - PT + ky * DH;
        if (iy < 0 || iy >= H) continue;
        for (int kx = 0; kx < KW; kx++) {
            int ix = ox * SW - PL + kx * DW;
            if (ix < 0 || ix >= W) continue;
            body(ky, kx, iy, ix);
        }
    }
}

// Calls body(ky, kx, oy, ox) for every output position (oy, ox) whose window cell (ky, kx) lands on
// input position (iy, ix): the windows that cover it, in the order of their cells.
template <typename Body>
__device__ __forceinline__ void graft_for_covering_windows(int iy, int ix, GRAFT_GEOMETRY, Body body) {
    for (int ky = 0; ky < KH; ky++) {
        int oy = graft_window_origin(iy, ky, SH, DH, PT, OH);
        if (oy < 0) continue;
        for (int kx = 0; kx < KW; kx++) {
            int ox = graft_window_origin(ix, kx, SW, DW, PL, OW);
            if (ox < 0) continue;
            body(ky, kx, oy, ox);
        }
    }
}

#endif
