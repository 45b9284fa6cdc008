package dev.graft.reference;

import dev.graft.Activation;
import dev.graft.conv.HostConvKernels;
import dev.graft.exec.ComposedNormalizationKernels;
import dev.graft.spi.Backend;
import dev.graft.spi.ChannelKernels;
import dev.graft.spi.ConvKernels;
import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.DropoutMask;
import dev.graft.spi.NormalizationKernels;
import dev.graft.spi.PoolingKernels;
import java.nio.FloatBuffer;
import java.util.Optional;

/**
 * The pure-Java backend: plain loops over heap arrays, accumulating in double. It is the oracle
 * every other backend is tested against, and the fallback where no native backend loads, so it
 * favours being obviously right over being fast. It implements every optional kernel family
 * ({@link ChannelKernels}) directly, {@link ConvKernels} / {@link PoolingKernels} through the
 * double-precision loops of {@code dev.graft.conv}, and {@link NormalizationKernels} through
 * {@code dev.graft.conv.ReferenceBatchNormKernels} (the default composition over its heap arrays),
 * as the oracle for other backends' and the default compositions.
 */
public final class ReferenceBackend implements Backend, ChannelKernels {

    private final HostConvKernels convolutions = new HostConvKernels(this);
    private final NormalizationKernels normalization = new ComposedNormalizationKernels(this);

    @Override
    public <T> Optional<T> capability(Class<T> type) {
        if (type == ConvKernels.class || type == PoolingKernels.class) {
            return Optional.of(type.cast(convolutions));
        }
        if (type == NormalizationKernels.class) {
            return Optional.of(type.cast(normalization));
        }
        return Backend.super.capability(type);
    }

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public String description() {
        return "pure Java (reference loops, double accumulation)";
    }

    @Override
    public DeviceBuffer allocate(long length) {
        return new ReferenceBuffer(length);
    }

    @Override
    public void upload(float[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int length) {
        System.arraycopy(src, srcOffset, data(dst), (int) dstOffset, length);
    }

    @Override
    public void upload(FloatBuffer src, DeviceBuffer dst, long dstOffset) {
        src.duplicate().get(data(dst), (int) dstOffset, src.remaining());
    }

    @Override
    public void download(DeviceBuffer src, long srcOffset, float[] dst, int dstOffset, int length) {
        System.arraycopy(data(src), (int) srcOffset, dst, dstOffset, length);
    }

    @Override
    public void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long length) {
        System.arraycopy(data(src), (int) srcOffset, data(dst), (int) dstOffset, (int) length);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float alpha, DeviceBuffer a, DeviceBuffer b, float beta, DeviceBuffer c) {
        float[] A = data(a);
        float[] B = data(b);
        float[] C = data(c);
        // Row i of op(A) times op(B), accumulated in double; a transposed operand is first copied
        // into row-major order so the inner loop streams through memory.
        float[] rowMajorA = transA ? transpose(A, k, m) : A;
        float[] rowMajorB = transB ? transpose(B, n, k) : B;
        double[] acc = new double[n];
        for (int i = 0; i < m; i++) {
            java.util.Arrays.fill(acc, 0);
            for (int p = 0; p < k; p++) {
                double av = rowMajorA[i * k + p];
                int bRow = p * n;
                for (int j = 0; j < n; j++) {
                    acc[j] += av * rowMajorB[bRow + j];
                }
            }
            for (int j = 0; j < n; j++) {
                double old = beta == 0f ? 0 : (double) beta * C[i * n + j];
                C[i * n + j] = (float) (alpha * acc[j] + old);
            }
        }
    }

    /** The {@code cols × rows} transpose of a row-major {@code rows × cols} matrix. */
    private static float[] transpose(float[] x, int rows, int cols) {
        float[] t = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = x[r * cols + c];
            }
        }
        return t;
    }

    @Override
    public void biasActivation(DeviceBuffer x, DeviceBuffer bias, int rows, int cols, Activation activation) {
        float[] X = data(x);
        float[] b = bias == null ? null : data(bias);
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            if (b != null) {
                for (int j = 0; j < cols; j++) {
                    X[base + j] += b[j];
                }
            }
            if (activation.kind() == Activation.Kind.SOFTMAX) {
                softmaxRow(X, base, cols, X);
            } else {
                for (int j = 0; j < cols; j++) {
                    X[base + j] = (float) apply(activation, X[base + j]);
                }
            }
        }
    }

    private static double apply(Activation act, double z) {
        return switch (act.kind()) {
            case IDENTITY -> z;
            case RELU -> z > 0 ? z : 0;
            case LEAKY_RELU -> z > 0 ? z : act.alpha() * z;
            case ELU -> z > 0 ? z : act.alpha() * Math.expm1(z);
            case TANH -> Math.tanh(z);
            case SIGMOID -> 1 / (1 + Math.exp(-z));
            case RELU6 -> Math.min(Math.max(z, 0), 6);
            case SWISH -> z / (1 + Math.exp(-z));
            case HARD_SWISH -> z * Math.min(Math.max(z + 3, 0), 6) / 6;
            case HARD_SIGMOID -> Math.min(Math.max(z + 3, 0), 6) / 6;
            case SELU -> z > 0 ? Activation.SELU_SCALE * z : Activation.SELU_SCALE * Activation.SELU_ALPHA * Math.expm1(z);
            case SOFTMAX -> throw new AssertionError("row-wise");
        };
    }

    /** Derivative from the output {@code y = f(z)}, or from the input {@code z} when not {@link Activation#derivativeFromOutput()}. */
    private static double derivative(Activation act, double y) {
        return switch (act.kind()) {
            case IDENTITY -> 1;
            case RELU -> y > 0 ? 1 : 0;
            case LEAKY_RELU -> y > 0 ? 1 : act.alpha();
            case ELU -> y > 0 ? 1 : y + act.alpha();
            case TANH -> 1 - y * y;
            case SIGMOID -> y * (1 - y);
            case RELU6 -> y > 0 && y < 6 ? 1 : 0;
            case HARD_SIGMOID -> y > 0 && y < 1 ? 1.0 / 6 : 0;
            case SELU -> y > 0 ? Activation.SELU_SCALE : y + Activation.SELU_SCALE * Activation.SELU_ALPHA;
            case SWISH -> {
                double s = 1 / (1 + Math.exp(-y));
                yield s * (1 + y * (1 - s));
            }
            case HARD_SWISH -> y < -3 ? 0 : y > 3 ? 1 : (2 * y + 3) / 6;
            case SOFTMAX -> throw new AssertionError("row-wise");
        };
    }

    private static void softmaxRow(float[] in, int base, int cols, float[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < cols; j++) {
            max = Math.max(max, in[base + j]);
        }
        double sum = 0;
        for (int j = 0; j < cols; j++) {
            sum += Math.exp(in[base + j] - max);
        }
        for (int j = 0; j < cols; j++) {
            out[base + j] = (float) (Math.exp(in[base + j] - max) / sum);
        }
    }

    @Override
    public void activationBackward(DeviceBuffer y, DeviceBuffer grad, int rows, int cols, Activation activation) {
        float[] Y = data(y);
        float[] G = data(grad);
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            if (activation.kind() == Activation.Kind.SOFTMAX) {
                double dot = 0;
                for (int j = 0; j < cols; j++) {
                    dot += (double) G[base + j] * Y[base + j];
                }
                for (int j = 0; j < cols; j++) {
                    G[base + j] = (float) (Y[base + j] * (G[base + j] - dot));
                }
            } else {
                for (int j = 0; j < cols; j++) {
                    G[base + j] = (float) (G[base + j] * derivative(activation, Y[base + j]));
                }
            }
        }
    }

    @Override
    public void columnSums(DeviceBuffer x, int rows, int cols, float alpha, DeviceBuffer out, float beta) {
        float[] X = data(x);
        float[] O = data(out);
        for (int j = 0; j < cols; j++) {
            double sum = 0;
            for (int r = 0; r < rows; r++) {
                sum += X[r * cols + j];
            }
            O[j] = (float) (alpha * sum + (beta == 0f ? 0 : (double) beta * O[j]));
        }
    }

    @Override
    public double softmaxCrossEntropy(DeviceBuffer logits, DeviceBuffer labels, int rows, int cols,
                                      float gradScale, DeviceBuffer grad) {
        float[] Z = data(logits);
        float[] L = data(labels);
        float[] G = grad == null ? null : data(grad);
        double total = 0;
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            int label = (int) L[r];
            if (label < 0 || label >= cols || label != L[r]) {
                throw new IllegalArgumentException("label " + L[r] + " of row " + r + " is not a class index in 0.." + (cols - 1));
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, Z[base + j]);
            }
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += Math.exp(Z[base + j] - max);
            }
            double logSum = Math.log(sum) + max;
            total += logSum - Z[base + label];
            if (G != null) {
                for (int j = 0; j < cols; j++) {
                    double p = Math.exp(Z[base + j] - logSum);
                    G[base + j] = (float) ((p - (j == label ? 1 : 0)) * gradScale);
                }
            }
        }
        return total;
    }

    @Override
    public double meanSquaredError(DeviceBuffer predictions, DeviceBuffer targets, int rows, int cols,
                                   float gradScale, DeviceBuffer grad) {
        float[] P = data(predictions);
        float[] T = data(targets);
        float[] G = grad == null ? null : data(grad);
        double total = 0;
        for (int r = 0; r < rows; r++) {
            double rowSum = 0;
            for (int j = 0; j < cols; j++) {
                int i = r * cols + j;
                double d = (double) P[i] - T[i];
                rowSum += d * d;
                if (G != null) {
                    G[i] = (float) (2 * d / cols * gradScale);
                }
            }
            total += rowSum / cols;
        }
        return total;
    }

    @Override
    public void dropout(DeviceBuffer x, DeviceBuffer mask, long length, float rate, long seed) {
        float[] X = data(x);
        float[] M = data(mask);
        float keepScale = 1f / (1f - rate);
        for (int i = 0; i < length; i++) {
            M[i] = DropoutMask.keep(seed, i, rate) ? keepScale : 0f;
            X[i] *= M[i];
        }
    }

    @Override
    public void multiply(DeviceBuffer x, DeviceBuffer factor, long length) {
        float[] X = data(x);
        float[] F = data(factor);
        for (int i = 0; i < length; i++) {
            X[i] *= F[i];
        }
    }

    @Override
    public void sgdUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer velocity, long length,
                          float learningRate, float momentum, boolean nesterov, float l2) {
        float[] P = data(param);
        float[] G = data(grad);
        float[] V = velocity == null ? null : data(velocity);
        if (momentum != 0f && V == null) {
            throw new IllegalArgumentException("momentum " + momentum + " needs a velocity buffer");
        }
        for (int i = 0; i < length; i++) {
            double g = G[i] + (double) l2 * P[i];
            if (momentum == 0f) {
                P[i] = (float) (P[i] - learningRate * g);
            } else {
                double v = momentum * (double) V[i] + g;
                V[i] = (float) v;
                double step = nesterov ? g + momentum * v : v;
                P[i] = (float) (P[i] - learningRate * step);
            }
        }
    }

    @Override
    public void adamUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v, long length,
                           float learningRate, float beta1, float beta2, float epsilon, long step, float l2) {
        if (step < 1) {
            throw new IllegalArgumentException("Adam steps count from 1, got " + step);
        }
        float[] P = data(param);
        float[] G = data(grad);
        float[] M = data(m);
        float[] V = data(v);
        double lrT = learningRate * Math.sqrt(1 - Math.pow(beta2, step)) / (1 - Math.pow(beta1, step));
        for (int i = 0; i < length; i++) {
            double g = G[i] + (double) l2 * P[i];
            double mi = beta1 * (double) M[i] + (1 - beta1) * g;
            double vi = beta2 * (double) V[i] + (1 - beta2) * g * g;
            M[i] = (float) mi;
            V[i] = (float) vi;
            P[i] = (float) (P[i] - lrT * mi / (Math.sqrt(vi) + epsilon));
        }
    }

    @Override
    public void scaleShift(DeviceBuffer x, DeviceBuffer scale, DeviceBuffer shift, int rows, int cols) {
        float[] X = data(x);
        float[] S = data(scale);
        float[] B = shift == null ? null : data(shift);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                X[i] = (float) ((double) X[i] * S[c] + (B == null ? 0 : B[c]));
            }
        }
    }

    @Override
    public void columnDots(DeviceBuffer a, DeviceBuffer b, int rows, int cols, DeviceBuffer out) {
        float[] A = data(a);
        float[] B = data(b);
        float[] O = data(out);
        for (int c = 0; c < cols; c++) {
            double sum = 0;
            for (int r = 0; r < rows; r++) {
                sum += (double) A[r * cols + c] * B[r * cols + c];
            }
            O[c] = (float) sum;
        }
    }

    @Override
    public void close() {
        // Heap arrays: nothing native to free.
    }

    private static float[] data(DeviceBuffer buffer) {
        if (!(buffer instanceof ReferenceBuffer rb)) {
            throw new IllegalArgumentException("buffer " + buffer + " was not allocated by the reference backend");
        }
        if (rb.closed()) {
            throw new IllegalStateException("buffer used after close");
        }
        return rb.data;
    }
}
