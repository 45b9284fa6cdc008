// Graft CUDA backend: row-wise and reducing kernels (softmax, its backward pass, fused softmax
// cross-entropy, squared error, column sums). Compiled at run time by NVRTC (see CudaKernels).
// Row kernels run one block per row (grid-stride over rows); blockDim is a multiple of 32, at
// most 1024. Sums are kept in double, as in the Java reference. Loss kernels write one double
// partial sum per block; the host adds them in block order, so the result does not depend on
// scheduling.

#define GRAFT_MAX_WARPS 32

__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_down_sync(0xffffffffu, v, o));
    return v;
}

__device__ __forceinline__ double warp_sum_d(double v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    return v;
}

// Block-wide reductions; every thread gets the result. `scratch` holds GRAFT_MAX_WARPS values.
__device__ float block_max(float v, float* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float r = scratch[0];
    for (int w = 1; w < warps; w++) r = fmaxf(r, scratch[w]);
    return r;
}

__device__ double block_sum_d(double v, double* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    v = warp_sum_d(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    double r = 0.0;
    for (int w = 0; w < warps; w++) r += scratch[w];
    return r;
}

// x[r, :] = softmax(x[r, :] + bias); bias may be null.
extern "C" __global__ void softmax_forward(float* x, const float* bias, int rows, int cols) {
    __shared__ float scratch[GRAFT_MAX_WARPS];
    __shared__ double scratch_d[GRAFT_MAX_WARPS];
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        float* row = x + (long long) r * cols;
        float mx = __int_as_float(0xff800000); // -inf; NVRTC has no <math.h> INFINITY
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            float v = row[c] + (bias != 0 ? bias[c] : 0.0f);
            mx = fmaxf(mx, v);
        }
        mx = block_max(mx, scratch);
        double sum = 0.0;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            float e = expf(row[c] + (bias != 0 ? bias[c] : 0.0f) - mx);
            row[c] = e;
            sum += e;
        }
        sum = block_sum_d(sum, scratch_d);
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            row[c] = (float) (row[c] / sum);
        }
        __syncthreads();
    }
}

// g[r, :] = y ⊙ (g − Σ g⊙y), the softmax Jacobian product computed from the output y.
extern "C" __global__ void softmax_backward(const float* y, float* g, int rows, int cols) {
    __shared__ double scratch[GRAFT_MAX_WARPS];
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* yr = y + (long long) r * cols;
        float* gr = g + (long long) r * cols;
        double dot = 0.0;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) dot += (double) gr[c] * yr[c];
        dot = block_sum_d(dot, scratch);
        for (int c = threadIdx.x; c < cols; c += blockDim.x) gr[c] = (float) (yr[c] * (gr[c] - dot));
        __syncthreads();
    }
}

// Fused softmax cross-entropy. partial[block] = Σ over this block's rows of −log softmax[label];
// grad (may alias logits, or be null) = (softmax − onehot) · scale. A label that is not an integer
// in [0, cols) stores (row + 1) into *bad (atomicMax) and leaves that row's gradient untouched.
extern "C" __global__ void softmax_xent(const float* logits, const float* labels, int rows, int cols,
                                        float scale, float* grad, double* partial, int* bad) {
    __shared__ float scratch[GRAFT_MAX_WARPS];
    __shared__ double scratch_d[GRAFT_MAX_WARPS];
    double acc = 0.0;
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* row = logits + (long long) r * cols;
        float lf = labels[r];
        int label = (int) lf;
        bool valid = lf >= 0.0f && lf < (float) cols && (float) label == lf;
        if (!valid) {
            if (threadIdx.x == 0) atomicMax(bad, r + 1);
            continue; // uniform across the block: no barrier is skipped by only some threads
        }
        float target = row[label]; // read before any thread of the block writes (grad may alias logits)
        float mx = __int_as_float(0xff800000); // -inf; NVRTC has no <math.h> INFINITY
        for (int c = threadIdx.x; c < cols; c += blockDim.x) mx = fmaxf(mx, row[c]);
        mx = block_max(mx, scratch);
        double sum = 0.0;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) sum += expf(row[c] - mx);
        sum = block_sum_d(sum, scratch_d);
        if (threadIdx.x == 0) acc += log(sum) + mx - target;
        if (grad != 0) {
            float* gr = grad + (long long) r * cols;
            for (int c = threadIdx.x; c < cols; c += blockDim.x) {
                double p = expf(row[c] - mx) / sum;
                gr[c] = (float) ((p - (c == label ? 1.0 : 0.0)) * scale);
            }
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

// Squared error: partial[block] = Σ (p − t)² over this block's elements (the host divides by cols);
// grad (may alias p, or be null) = 2 (p − t) / cols · scale.
extern "C" __global__ void squared_error(const float* p, const float* t, long long n, int cols,
                                         float scale, float* grad, double* partial) {
    __shared__ double scratch[GRAFT_MAX_WARPS];
    double acc = 0.0;
    float k = 2.0f / (float) cols * scale;
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n;
         i += (long long) gridDim.x * blockDim.x) {
        float d = p[i] - t[i];
        acc += (double) d * (double) d;
        if (grad != 0) grad[i] = d * k;
    }
    acc = block_sum_d(acc, scratch);
    if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

// out[c] = alpha · Σ_r x[r, c] + beta · out[c] (old out ignored when beta == 0), summed in double
// like the reference. Block (32, 8):
// threadIdx.x picks the column within a 32-column tile, threadIdx.y strides the rows.
extern "C" __global__ void column_sums(const float* x, int rows, int cols, float alpha, float* out, float beta) {
    __shared__ double part[8][33];
    int c = blockIdx.x * 32 + threadIdx.x;
    double s = 0.0;
    if (c < cols) {
        for (int r = threadIdx.y; r < rows; r += 8) s += x[(long long) r * cols + c];
    }
    part[threadIdx.y][threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.y == 0 && c < cols) {
        double total = 0.0;
        for (int k = 0; k < 8; k++) total += part[k][threadIdx.x];
        out[c] = (float) (beta == 0.0f ? alpha * total : alpha * total + (double) beta * out[c]);
    }
}
