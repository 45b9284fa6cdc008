package dev.graft.tf;

import dev.graft.Activation;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.spi.DeviceBuffer;
import dev.graft.exec.KernelNetwork;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkCompiler;
import dev.graft.exec.NetworkPlan;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import org.tensorflow.proto.ConfigProto;

/**
 * The TensorFlow backend. Buffers are flat TF tensors; each kernel runs a small cached TF graph
 * ({@link TfKernels}), which is correct but pays one {@code Session.run} per kernel. Training and
 * inference go through {@link #compile} (found by {@code dev.graft.exec.Networks} as a capability), which compiles the whole pass into one graph
 * ({@link TfNetwork}) and runs one {@code Session.run} per batch.
 */
public final class TfBackend implements Backend, NetworkCompiler {

    private static final System.Logger LOG = System.getLogger(TfBackend.class.getName());

    private final BackendOptions options;
    private final String version;
    private final ConfigProto sessionConfig;
    private final Set<TfBuffer> buffers = new LinkedHashSet<>();
    private final TfKernels kernels;
    private boolean closed;

    TfBackend(BackendOptions options, String version) {
        this.options = options;
        this.version = version;
        this.sessionConfig = TfRuntime.sessionConfig(options);
        this.kernels = new TfKernels(this, new TfKernelGraph(sessionConfig));
    }

    @Override
    public String name() {
        return "tf";
    }

    @Override
    public String description() {
        int threads = options.threads();
        return "TensorFlow " + version + " (Java 1.1.0), " + (threads == 0 ? "default threads" : threads + " intra-op threads");
    }

    ConfigProto sessionConfig() {
        return sessionConfig;
    }

    @Override
    public DeviceBuffer allocate(long length) {
        checkOpen();
        TfBuffer buffer = new TfBuffer(this, length);
        buffers.add(buffer);
        return buffer;
    }

    void forget(TfBuffer buffer) {
        buffers.remove(buffer);
    }

    TfBuffer buf(DeviceBuffer buffer, String what) {
        if (!(buffer instanceof TfBuffer b) || b.owner() != this) {
            throw new IllegalArgumentException(what + " was not allocated by this TF backend: " + buffer);
        }
        return b;
    }

    @Override
    public void upload(float[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int length) {
        TfBuffer d = buf(dst, "upload destination");
        d.checkRange(dstOffset, length, "upload");
        d.data().offset(dstOffset).write(src, srcOffset, length);
    }

    @Override
    public void upload(FloatBuffer src, DeviceBuffer dst, long dstOffset) {
        TfBuffer d = buf(dst, "upload destination");
        int n = src.remaining();
        d.checkRange(dstOffset, n, "upload");
        float[] chunk = new float[Math.min(n, 1 << 16)];
        FloatBuffer in = src.duplicate();
        for (long at = dstOffset; in.hasRemaining(); ) {
            int k = Math.min(chunk.length, in.remaining());
            in.get(chunk, 0, k);
            d.data().offset(at).write(chunk, 0, k);
            at += k;
        }
    }

    @Override
    public void download(DeviceBuffer src, long srcOffset, float[] dst, int dstOffset, int length) {
        TfBuffer s = buf(src, "download source");
        s.checkRange(srcOffset, length, "download");
        s.data().offset(srcOffset).read(dst, dstOffset, length);
    }

    @Override
    public void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long length) {
        TfBuffer s = buf(src, "copy source");
        TfBuffer d = buf(dst, "copy destination");
        s.checkRange(srcOffset, length, "copy source");
        d.checkRange(dstOffset, length, "copy destination");
        if (s == d && srcOffset < dstOffset && dstOffset < srcOffset + length) {
            float[] tmp = new float[(int) length]; // overlapping forward copy: go through the heap
            s.data().offset(srcOffset).read(tmp, 0, tmp.length);
            d.data().offset(dstOffset).write(tmp, 0, tmp.length);
            return;
        }
        s.data().slice(srcOffset, length).copyTo(d.data().offset(dstOffset), length);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     DeviceBuffer a, DeviceBuffer b, float beta, DeviceBuffer c) {
        kernels.gemm(transA, transB, m, n, k, alpha, buf(a, "gemm A"), buf(b, "gemm B"), beta, buf(c, "gemm C"));
    }

    @Override
    public void biasActivation(DeviceBuffer x, DeviceBuffer bias, int rows, int cols, Activation activation) {
        kernels.biasActivation(buf(x, "x"), bias == null ? null : buf(bias, "bias"), rows, cols, activation);
    }

    @Override
    public void activationBackward(DeviceBuffer y, DeviceBuffer grad, int rows, int cols, Activation activation) {
        kernels.activationBackward(buf(y, "y"), buf(grad, "grad"), rows, cols, activation);
    }

    @Override
    public void columnSums(DeviceBuffer x, int rows, int cols, float alpha, DeviceBuffer out, float beta) {
        kernels.columnSums(buf(x, "x"), rows, cols, alpha, buf(out, "out"), beta);
    }

    @Override
    public double softmaxCrossEntropy(DeviceBuffer logits, DeviceBuffer labels, int rows, int cols,
                                      float gradScale, DeviceBuffer grad) {
        return kernels.softmaxCrossEntropy(buf(logits, "logits"), buf(labels, "labels"), rows, cols, gradScale,
                grad == null ? null : buf(grad, "grad"));
    }

    @Override
    public double meanSquaredError(DeviceBuffer predictions, DeviceBuffer targets, int rows, int cols,
                                   float gradScale, DeviceBuffer grad) {
        return kernels.meanSquaredError(buf(predictions, "predictions"), buf(targets, "targets"), rows, cols, gradScale,
                grad == null ? null : buf(grad, "grad"));
    }

    @Override
    public void dropout(DeviceBuffer x, DeviceBuffer mask, long length, float rate, long seed) {
        kernels.dropout(buf(x, "x"), buf(mask, "mask"), length, rate, seed);
    }

    @Override
    public void multiply(DeviceBuffer x, DeviceBuffer factor, long length) {
        kernels.multiply(buf(x, "x"), buf(factor, "factor"), length);
    }

    @Override
    public void sgdUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer velocity, long length,
                          float learningRate, float momentum, boolean nesterov, float l2) {
        kernels.sgdUpdate(buf(param, "param"), buf(grad, "grad"), velocity == null ? null : buf(velocity, "velocity"),
                length, learningRate, momentum, nesterov, l2);
    }

    @Override
    public void adamUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v, long length,
                           float learningRate, float beta1, float beta2, float epsilon, long step, float l2) {
        kernels.adamUpdate(buf(param, "param"), buf(grad, "grad"), buf(m, "m"), buf(v, "v"), length,
                learningRate, beta1, beta2, epsilon, step, l2);
    }

    /**
     * Compiles the plan's forward pass and train step into TF graphs (one {@code Session.run} per
     * batch). A graph model (not a chain), or one holding a layer type the TF graphs do not know, runs on the portable
     * {@link KernelNetwork} over this backend's kernels instead: slower, never skipped.
     */
    @Override
    public Network compile(NetworkPlan plan) {
        checkOpen();
        if (!plan.model().isChain()) {
            LOG.log(System.Logger.Level.INFO, "the model is a graph (branches or merges), which the TF graph compiler does not "
                    + "build: running it on TF kernels op by op");
            return new KernelNetwork(this, plan);
        }
        var unknown = TfLayers.firstUnknown(plan.model());
        if (unknown.isPresent()) {
            LOG.log(System.Logger.Level.INFO, "layer ''{0}'' ({1}) has no TF graph op: running the model on TF kernels op by op",
                    unknown.get().name(), unknown.get().description().type());
            return new KernelNetwork(this, plan);
        }
        return new TfNetwork(plan, sessionConfig);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("TF backend is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (TfBuffer b : new ArrayList<>(buffers)) {
            b.close();
        }
        kernels.close();
    }
}
