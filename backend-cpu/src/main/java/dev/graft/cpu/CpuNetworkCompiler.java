package dev.graft.cpu;

import dev.graft.Activation;
import dev.graft.ActivationLayer;
import dev.graft.BatchNorm;
import dev.graft.Conv2D;
import dev.graft.Layer;
import dev.graft.LayerDescription;
import dev.graft.MaxPool2D;
import dev.graft.Model;
import dev.graft.exec.ExecutionPlan;
import dev.graft.exec.KernelNetwork;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkCompiler;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.StepStats;
import dev.graft.spi.ConvGeometry;
import dev.graft.spi.Padding;
import java.util.ArrayList;
import java.util.List;

/**
 * The cpu backend's {@link NetworkCompiler}: the portable {@link KernelNetwork}, except that below
 * the lowest trainable layer (everywhere, for inference) each {@code Conv2D → [BatchNorm] →
 * [ReLU] → [MaxPool2D]} run becomes one {@link CpuConvBlock}, with the BatchNorm folded into the
 * convolution. Those layers are never back-propagated and run in inference mode there, so the fold
 * changes only rounding. A plan with nothing to fold, or a graph model, gets a plain {@link KernelNetwork}.
 */
final class CpuNetworkCompiler implements NetworkCompiler {

    private final CpuBackend backend;

    CpuNetworkCompiler(CpuBackend backend) {
        this.backend = backend;
    }

    @Override
    public Network compile(NetworkPlan plan) {
        Model model = plan.model();
        if (!model.isChain()) {
            // a fold rebuilds the model as a chain of blocks; graphs run layer by layer
            return new KernelNetwork(backend, plan);
        }
        int frozen = plan.trains() ? new ExecutionPlan(plan).firstTrainable() : model.size();
        List<Layer> layers = new ArrayList<>();
        int folded = 0;
        for (int i = 0; i < frozen; ) {
            int end = blockEnd(model, i, frozen, plan.trains());
            if (end > i) {
                layers.add(block(model, i, end));
                folded++;
                i = end;
            } else {
                layers.add(model.layer(i++));
            }
        }
        if (folded == 0) {
            return new KernelNetwork(backend, plan);
        }
        int prefix = layers.size();
        layers.addAll(model.layers().subList(frozen, model.size()));
        KernelNetwork net = new KernelNetwork(backend, new NetworkPlan(new Model(layers), plan.training(), plan.maxBatch()));
        return new Folded(plan, net, frozen, prefix);
    }

    /**
     * The end (exclusive) of the foldable run starting at layer {@code i}, or {@code i} when none
     * starts there: a Conv2D with an identity or ReLU activation, then optionally an inference-mode
     * BatchNorm (only after an identity conv), a ReLU or identity activation layer, a max pooling.
     */
    private static int blockEnd(Model model, int i, int frozen, boolean trains) {
        if (!(model.layer(i) instanceof Conv2D c) || !foldable(c.activation())) {
            return i;
        }
        boolean activated = c.activation().kind() != Activation.Kind.IDENTITY;
        int j = i + 1;
        if (!activated && j < frozen && model.layer(j) instanceof BatchNorm bn && !(trains && bn.trainable())) {
            j++;
        }
        if (!activated && j < frozen && model.layer(j) instanceof ActivationLayer a && foldable(a.activation())) {
            j++;
        }
        if (j < frozen && model.layer(j) instanceof MaxPool2D) {
            j++;
        }
        return j;
    }

    private static boolean foldable(Activation a) {
        return a.kind() == Activation.Kind.IDENTITY || a.kind() == Activation.Kind.RELU;
    }

    /** Layers {@code [from, to)} as one block, BatchNorm folded into the kernel and bias in double precision. */
    private static CpuConvBlock block(Model model, int from, int to) {
        Conv2D conv = (Conv2D) model.layer(from);
        ConvGeometry g = conv.window().geometry(conv.inputShape());
        int filters = conv.filters();
        float[] kernel = conv.parameterValues("kernel");
        float[] bias = conv.useBias() ? conv.parameterValues("bias") : new float[filters];
        boolean relu = conv.activation().kind() == Activation.Kind.RELU;
        ConvGeometry pool = null;
        StringBuilder name = new StringBuilder(conv.name());
        for (int i = from + 1; i < to; i++) {
            Layer layer = model.layer(i);
            name.append('+').append(layer.name());
            if (layer instanceof BatchNorm bn) {
                fold(bn, kernel, bias, filters);
            } else if (layer instanceof ActivationLayer a) {
                relu = a.activation().kind() == Activation.Kind.RELU;
            } else if (layer instanceof MaxPool2D p) {
                pool = poolGeometry(p, g.outHeight(), g.outWidth(), filters);
            }
        }
        return new CpuConvBlock(name.toString(), g, filters, kernel, bias, relu, pool);
    }

    private static void fold(BatchNorm bn, float[] kernel, float[] bias, int filters) {
        float[] gamma = bn.scale() ? bn.parameterValues("gamma") : null;
        float[] beta = bn.center() ? bn.parameterValues("beta") : null;
        float[] mean = bn.parameterValues("moving_mean");
        float[] variance = bn.parameterValues("moving_variance");
        for (int f = 0; f < filters; f++) {
            double s = (gamma == null ? 1.0 : gamma[f]) / Math.sqrt((double) variance[f] + bn.epsilon());
            bias[f] = (float) ((bias[f] - (double) mean[f]) * s + (beta == null ? 0.0 : beta[f]));
            for (int r = f; r < kernel.length; r += filters) {
                kernel[r] = (float) (kernel[r] * s);
            }
        }
    }

    /** A max pooling layer's geometry, from its description (pool size, strides, padding). */
    private static ConvGeometry poolGeometry(MaxPool2D p, int height, int width, int channels) {
        LayerDescription d = p.description();
        List<?> size = d.list("pool_size");
        List<?> strides = d.list("strides");
        return ConvGeometry.pool(height, width, channels, ((Number) size.get(0)).intValue(), ((Number) size.get(1)).intValue(),
                ((Number) strides.get(0)).intValue(), ((Number) strides.get(1)).intValue(), Padding.parse(d.string("padding")));
    }

    /** The compiled network: runs the folded plan and reports the caller's plan and layers. */
    private static final class Folded implements Network {
        private final NetworkPlan plan;
        private final KernelNetwork net;
        private final int frozen;
        private final int prefix;

        Folded(NetworkPlan plan, KernelNetwork net, int frozen, int prefix) {
            this.plan = plan;
            this.net = net;
            this.frozen = frozen;
            this.prefix = prefix;
        }

        @Override
        public NetworkPlan plan() {
            return plan;
        }

        @Override
        public void predict(float[] input, int inputOffset, int rows, float[] output, int outputOffset) {
            net.predict(input, inputOffset, rows, output, outputOffset);
        }

        @Override
        public StepStats trainStep(float[] input, float[] targets, int rows) {
            return net.trainStep(input, targets, rows);
        }

        @Override
        public boolean setLearningRate(float rate) {
            return net.setLearningRate(rate);
        }

        /** The original frozen layers (never changed), then the trained ones. */
        @Override
        public Model snapshot() {
            List<Layer> layers = new ArrayList<>(plan.model().layers().subList(0, frozen));
            List<Layer> trained = net.snapshot().layers();
            layers.addAll(trained.subList(prefix, trained.size()));
            return new Model(layers);
        }

        @Override
        public void close() {
            net.close();
        }
    }
}
