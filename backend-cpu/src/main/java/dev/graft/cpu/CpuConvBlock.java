package dev.graft.cpu;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

import dev.graft.Activation;
import dev.graft.Layer;
import dev.graft.LayerDescription;
import dev.graft.Parameter;
import dev.graft.Shape;
import dev.graft.exec.LayerOp;
import dev.graft.exec.OpContext;
import dev.graft.exec.Pass;
import dev.graft.spi.ConvGeometry;
import dev.graft.spi.DeviceBuffer;
import org.bytedeco.javacpp.IntPointer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.List;
import java.util.Map;

/**
 * A run of frozen layers that {@link CpuNetworkCompiler} puts in the place of {@code Conv2D →
 * [BatchNorm] → [ReLU] → [MaxPool2D]} below the lowest trainable layer, where they only ever run
 * forward in inference mode: the BatchNorm is folded into the convolution's kernel and bias at plan
 * time ({@code kernel·s} and {@code (bias − mean)·s + beta}, {@code s = gamma/√(variance + ε)}), and
 * one pass per chunk of images does im2col, one {@code sgemm}, then bias, activation and max pooling
 * on the GEMM's output while it is in cache — instead of four layers each reading and writing the
 * whole feature map. Plan-internal: it never appears in a model a user sees (the compiled network's
 * snapshot puts the original layers back), has no gradient, and refuses to be renamed or retrained.
 */
final class CpuConvBlock implements Layer {

    /**
     * Floats of GEMM output per chunk of images: 64 KiB, so that the epilogue reads it from
     * cache (measured with JFR on the race's CNN: 16 Ki floats per chunk beat 64 Ki and 256 Ki).
     */
    private static final int CHUNK_OUTPUT_FLOATS = 16 << 10;
    /** Fewest output pixels (GEMM rows) per chunk and thread: smaller products waste OpenBLAS's packing and threads. */
    private static final int MIN_GEMM_ROWS = 256;

    private final String name;
    private final ConvGeometry conv;
    private final int filters;
    private final float[] kernel;
    private final float[] bias;
    private final boolean relu;
    private final ConvGeometry pool;

    /**
     * @param kernel the (folded) kernel {@code [kh, kw, in, filters]}
     * @param bias   the (folded) bias {@code [filters]}
     * @param relu   whether a ReLU follows the bias (else identity)
     * @param pool   the max pooling's geometry over the convolution's output, or null for none
     */
    CpuConvBlock(String name, ConvGeometry conv, int filters, float[] kernel, float[] bias, boolean relu, ConvGeometry pool) {
        this.name = name;
        this.conv = conv;
        this.filters = filters;
        this.kernel = kernel;
        this.bias = bias;
        this.relu = relu;
        this.pool = pool;
    }

    @Override public String name() { return name; }
    @Override public Shape inputShape() { return Shape.of(conv.inHeight(), conv.inWidth(), conv.channels()); }
    @Override public boolean trainable() { return false; }

    @Override
    public Shape outputShape() {
        return pool == null ? Shape.of(conv.outHeight(), conv.outWidth(), filters)
                : Shape.of(pool.outHeight(), pool.outWidth(), filters);
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(new Parameter("kernel", Shape.of(conv.windowSize() * conv.channels(), filters), Parameter.Role.STATE));
    }

    @Override
    public FloatBuffer parameterView(String parameter) {
        if (!parameter.equals("kernel")) {
            throw new IllegalArgumentException("plan-internal block '" + name + "' has no parameter '" + parameter + "'");
        }
        return FloatBuffer.wrap(kernel).asReadOnlyBuffer();
    }

    @Override
    public Layer withParameters(Map<String, float[]> values) {
        throw refused("take new parameters");
    }

    @Override
    public Layer withTrainable(boolean trainable) {
        throw refused("be made trainable");
    }

    @Override
    public Layer withName(String newName) {
        throw refused("be renamed");
    }

    private UnsupportedOperationException refused(String what) {
        return new UnsupportedOperationException("'" + name + "' is the cpu backend's plan-internal fusion of frozen layers"
                + " and cannot " + what + "; work on the model's own layers");
    }

    @Override
    public LayerDescription description() {
        return LayerDescription.of("cpu_conv_block").with("filters", filters).with("relu", relu).with("pool", pool != null);
    }

    @Override
    public LayerOp op(OpContext context) {
        return new Op(context);
    }

    @Override
    public String toString() {
        return "CpuConvBlock(" + name + ", " + inputShape() + " -> " + outputShape() + ")";
    }

    /** The forward pass; buffers allocated once from the network, heap arrays reused. */
    private final class Op implements LayerOp {
        private final CpuBackend backend;
        private final CpuBuffer kernelBuffer;
        private final int k = conv.windowSize() * conv.channels();
        private final int pixels = conv.outPixels();
        private final int mapSize = pixels * filters;
        private final int outSize = outputShape().size();
        private final int per;
        private final CpuBuffer cols;
        private final CpuBuffer product;
        /** One chunk's GEMM output as raw float bits, read through {@link #productBits}. */
        private final int[] map;
        /** One chunk's pooled output, in {@link #key} form. */
        private final int[] pooled;
        private final float[] result;
        private final IntBuffer productBits;
        private final CpuConvStaging staging = new CpuConvStaging();
        // the pooling geometry as plain ints (ConvGeometry computes its output size on every call)
        private final int poolInW = pool == null ? 0 : pool.inWidth();
        private final int poolOutH = pool == null ? 0 : pool.outHeight();
        private final int poolOutW = pool == null ? 0 : pool.outWidth();
        private final CpuWindow poolWindow = pool == null ? null : new CpuWindow(pool);

        Op(OpContext context) {
            if (!(context.backend() instanceof CpuBackend cpu)) {
                throw new IllegalArgumentException("block '" + name + "' runs on the cpu backend only");
            }
            backend = cpu;
            kernelBuffer = (CpuBuffer) context.parameter("kernel");
            // cache-sized chunks, but at least MIN_GEMM_ROWS rows per thread so that the GEMM stays efficient
            int forCache = CHUNK_OUTPUT_FLOATS / mapSize;
            int forGemm = (MIN_GEMM_ROWS * cpu.threads() + pixels - 1) / pixels;
            per = Math.max(1, Math.min(context.maxBatch(), Math.max(forCache, forGemm)));
            cols = (CpuBuffer) context.allocate((long) per * pixels * k);
            product = (CpuBuffer) context.allocate((long) per * mapSize);
            map = new int[per * mapSize];
            pooled = pool == null ? null : new int[per * outSize];
            result = new float[per * outSize];
            productBits = new IntPointer(product.pointer()).capacity(product.length()).asBuffer();
        }

        @Override
        public void forward(DeviceBuffer input, DeviceBuffer output, int rows, Pass pass) {
            CpuBuffer in = (CpuBuffer) input;
            FloatBuffer out = ((CpuBuffer) output).data();
            CpuNatives.useThreads(backend.threads());
            for (int n0 = 0; n0 < rows; n0 += per) {
                int count = Math.min(per, rows - n0);
                CpuIm2col.im2col(conv, in.data(), n0, count, cols.data(), staging);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, count * pixels, filters, k, 1f, cols.pointer(), k,
                        kernelBuffer.pointer(), filters, 0f, product.pointer(), filters);
                productBits.get(0, map, 0, count * mapSize);
                if (pool == null) {
                    finish(map, count * pixels);
                    out.put(n0 * outSize, result, 0, count * mapSize);
                } else {
                    // bias is constant per channel and ReLU is monotonic, so both commute with the
                    // maximum exactly: pool the raw product, then finish the smaller map
                    for (int n = 0; n < count; n++) {
                        maxPool(map, n * mapSize, pooled, n * outSize);
                    }
                    finish(pooled, count * outSize / filters);
                    out.put(n0 * outSize, result, 0, count * outSize);
                }
            }
        }

        /**
         * {@code result = activation(value + bias)} for {@code rowCount} rows of raw float bits
         * (in {@link #key} form after pooling); ReLU clears negative values by
         * their sign bit, without a branch.
         */
        private void finish(int[] bits, int rowCount) {
            boolean keyed = pool != null;
            for (int r = 0; r < rowCount; r++) {
                int at = r * filters;
                for (int f = 0; f < filters; f++) {
                    int b = bits[at + f];
                    float v = Float.intBitsToFloat(keyed ? key(b) : b) + bias[f];
                    if (relu) {
                        int vb = Float.floatToRawIntBits(v);
                        v = Float.intBitsToFloat(vb & ~(vb >> 31));
                    }
                    result[at + f] = v;
                }
            }
        }

        /** TF's max pooling of one image ({@code same} padding never wins). */
        private void maxPool(int[] y, int from, int[] out, int to) {
            int c = filters;
            CpuWindow win = poolWindow;
            for (int oy = 0; oy < poolOutH; oy++) {
                for (int ox = 0; ox < poolOutW; ox++) {
                    win.moveTo(oy, ox);
                    int o = to + (oy * poolOutW + ox) * c;
                    int a = from + win.pixel(win.kyFirst, win.kxFirst) * c;
                    if (win.kyEnd - win.kyFirst == 2 && win.kxEnd - win.kxFirst == 2) {
                        max4(y, a, a + c, a + poolInW * c, a + poolInW * c + c, out, o, c);
                        continue;
                    }
                    for (int f = 0; f < c; f++) {
                        out[o + f] = key(y[a + f]);
                    }
                    for (int ky = win.kyFirst; ky < win.kyEnd; ky++) {
                        for (int kx = ky == win.kyFirst ? win.kxFirst + 1 : win.kxFirst; kx < win.kxEnd; kx++) {
                            int i = from + win.pixel(ky, kx) * c;
                            for (int f = 0; f < c; f++) {
                                out[o + f] = Math.max(out[o + f], key(y[i + f]));
                            }
                        }
                    }
                }
            }
        }

        /** The common 2x2 window in one pass over its four pixels. */
        private static void max4(int[] y, int a, int b, int d, int e, int[] out, int o, int c) {
            for (int f = 0; f < c; f++) {
                out[o + f] = Math.max(Math.max(key(y[a + f]), key(y[b + f])), Math.max(key(y[d + f]), key(y[e + f])));
            }
        }

        /**
         * A float's bits as an int that orders like the float (negative values get their magnitude
         * bits flipped); its own inverse. Lets the pooling compare with integer max, which C2
         * vectorises, where {@code Math.max(float, float)} is a slow path on JDK 17.
         */
        private static int key(int bits) {
            return bits ^ ((bits >> 31) & 0x7fffffff);
        }

        @Override
        public void backward(DeviceBuffer input, DeviceBuffer output, DeviceBuffer g, DeviceBuffer inputGrad, int rows) {
            throw new IllegalStateException("block '" + name + "' stands for frozen layers below the lowest trainable one;"
                    + " nothing back-propagates through it");
        }
    }
}
