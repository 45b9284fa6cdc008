// Lets the backend's kernel sources compile as plain C++ for tests on machines without a GPU:
// the CUDA qualifiers become nothing (or inline), and the thread coordinates become globals that
// host_driver.cpp sets while it runs every thread of a grid one after another. That is a faithful
// execution only for kernels whose threads never communicate (no shared memory, no
// __syncthreads, no atomics), which is how conv.cu, pooling.cu and normalization.cu are written.
#pragma once
#include <cmath>
#include <cstdint>

struct graft_dim3 {
    unsigned int x, y, z;
};

static graft_dim3 blockIdx, threadIdx, blockDim, gridDim;

#define __global__
#define __device__
#define __forceinline__ inline
