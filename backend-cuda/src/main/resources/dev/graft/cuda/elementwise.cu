// Graft CUDA backend: elementwise kernels (bias + activation, their derivatives, dropout,
// optimizer updates). Compiled at run time by NVRTC (see CudaKernels) with --fmad=false so that
// results stay as close as possible to the Java reference, which rounds after every operation.
// All kernels use grid-stride loops over 64-bit indices; every pointer is device memory.

#define ACT_IDENTITY 0
#define ACT_RELU 1
#define ACT_LEAKY_RELU 2
#define ACT_ELU 3
#define ACT_TANH 4
#define ACT_SIGMOID 5
#define ACT_RELU6 6
#define ACT_SWISH 7
#define ACT_HARD_SWISH 8
#define ACT_HARD_SIGMOID 9
#define ACT_SELU 10
#define SELU_SCALE 1.0507009873554805f
#define SELU_ALPHA 1.6732632423543772f

__device__ __forceinline__ float graft_activate(float x, int kind, float alpha) {
    switch (kind) {
        case ACT_RELU: return x > 0.0f ? x : 0.0f;
        case ACT_LEAKY_RELU: return x > 0.0f ? x : alpha * x;
        case ACT_ELU: return x > 0.0f ? x : alpha * expm1f(x);
        case ACT_TANH: return tanhf(x);
        case ACT_SIGMOID: return 1.0f / (1.0f + expf(-x));
        case ACT_RELU6: return fminf(fmaxf(x, 0.0f), 6.0f);
        case ACT_SWISH: return x / (1.0f + expf(-x));
        case ACT_HARD_SWISH: return x * (fminf(fmaxf(x + 3.0f, 0.0f), 6.0f) / 6.0f);
        case ACT_HARD_SIGMOID: return fminf(fmaxf(x + 3.0f, 0.0f), 6.0f) / 6.0f;
        case ACT_SELU: return x > 0.0f ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * expm1f(x);
        default: return x;
    }
}

// Derivative of the activation expressed through its output y; for swish and hard swish (not
// monotonic) y is the activation's input instead (Activation.derivativeFromOutput() in Java).
__device__ __forceinline__ float graft_derivative(float y, int kind, float alpha) {
    switch (kind) {
        case ACT_RELU: return y > 0.0f ? 1.0f : 0.0f;
        case ACT_LEAKY_RELU: return y > 0.0f ? 1.0f : alpha;
        case ACT_ELU: return y > 0.0f ? 1.0f : y + alpha;
        case ACT_TANH: return 1.0f - y * y;
        case ACT_SIGMOID: return y * (1.0f - y);
        case ACT_RELU6: return (y > 0.0f && y < 6.0f) ? 1.0f : 0.0f;
        case ACT_HARD_SIGMOID: return (y > 0.0f && y < 1.0f) ? (1.0f / 6.0f) : 0.0f;
        case ACT_SELU: return y > 0.0f ? SELU_SCALE : y + SELU_SCALE * SELU_ALPHA;
        case ACT_SWISH: {
            float s = 1.0f / (1.0f + expf(-y));
            return s * (1.0f + y * (1.0f - s));
        }
        case ACT_HARD_SWISH: return y < -3.0f ? 0.0f : (y > 3.0f ? 1.0f : (2.0f * y + 3.0f) / 6.0f);
        default: return 1.0f;
    }
}

// x[r, c] = act(x[r, c] + bias[c]); bias may be null.
extern "C" __global__ void bias_activation(float* x, const float* bias, long long n, int cols,
                                           int kind, float alpha) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n;
         i += (long long) gridDim.x * blockDim.x) {
        float v = x[i];
        if (bias != 0) {
            v += bias[i % cols];
        }
        x[i] = graft_activate(v, kind, alpha);
    }
}

// g *= act'(y), elementwise (softmax has its own row-wise kernel).
extern "C" __global__ void activation_backward(const float* y, float* g, long long n, int kind, float alpha) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n;
         i += (long long) gridDim.x * blockDim.x) {
        g[i] *= graft_derivative(y[i], kind, alpha);
    }
}

// x *= factor
extern "C" __global__ void multiply(float* x, const float* factor, long long n) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n;
         i += (long long) gridDim.x * blockDim.x) {
        x[i] *= factor[i];
    }
}

// dev.graft.spi.DropoutMask.uniform, bit for bit: SplitMix64's finaliser over seed + (i + 1) * golden,
// top 24 bits scaled by 2^-24. Java's long arithmetic wraps exactly like unsigned 64-bit here, and
// >>> is the unsigned shift.
__host__ __device__ __forceinline__ float graft_dropout_uniform(unsigned long long seed, unsigned long long index) {
    unsigned long long z = seed + (index + 1ULL) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z = z ^ (z >> 31);
    return (float) (unsigned int) (z >> 40) * 5.9604644775390625e-8f; // 2^-24, exact
}

// mask[i] = keep ? scale : 0 (scale = 1 / (1 - rate), computed on the host in float); x[i] *= mask[i].
extern "C" __global__ void dropout(float* x, float* mask, long long n, float rate, float scale,
                                   unsigned long long seed) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n;
         i += (long long) gridDim.x * blockDim.x) {
        float m = graft_dropout_uniform(seed, (unsigned long long) i) >= rate ? scale : 0.0f;
        mask[i] = m;
        x[i] *= m;
    }
}

// g' = g + l2 p; plain: p -= lr g'; momentum: v = mu v + g', p -= lr v; Nesterov: p -= lr (g' + mu v).
extern "C" __global__ void sgd_update(float* p, const float* g, float* v, long long n, float lr,
                                      float momentum, int nesterov, float l2) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n;
         i += (long long) gridDim.x * blockDim.x) {
        float grad = g[i] + l2 * p[i];
        if (momentum == 0.0f) {
            p[i] -= lr * grad;
        } else {
            float vel = momentum * v[i] + grad;
            v[i] = vel;
            p[i] -= nesterov ? lr * (grad + momentum * vel) : lr * vel;
        }
    }
}

// TF's Adam: m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'^2; p -= lrt m / (sqrt(v) + eps),
// with lrt = lr sqrt(1 - b2^t) / (1 - b1^t) computed once on the host.
extern "C" __global__ void adam_update(float* p, const float* g, float* m, float* v, long long n,
                                       float lrt, float beta1, float beta2, float epsilon, float l2) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n;
         i += (long long) gridDim.x * blockDim.x) {
        float grad = g[i] + l2 * p[i];
        float mi = beta1 * m[i] + (1.0f - beta1) * grad;
        float vi = beta2 * v[i] + (1.0f - beta2) * grad * grad;
        m[i] = mi;
        v[i] = vi;
        p[i] -= lrt * mi / (sqrtf(vi) + epsilon);
    }
}
