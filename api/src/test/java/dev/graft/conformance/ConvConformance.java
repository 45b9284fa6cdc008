package dev.graft.conformance;

import static dev.graft.conformance.Conformance.assertClose;
import static dev.graft.conformance.Conformance.random;
import static dev.graft.conformance.DeviceArrays.keep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.AvgPool2D;
import dev.graft.Conv2D;
import dev.graft.ConvWindow;
import dev.graft.DepthwiseConv2D;
import dev.graft.Flatten;
import dev.graft.GlobalAveragePooling2D;
import dev.graft.GlobalMaxPooling2D;
import dev.graft.Layer;
import dev.graft.MaxPool2D;
import dev.graft.Model;
import dev.graft.Parameter;
import dev.graft.Shape;
import dev.graft.Transfer;
import dev.graft.ZeroPadding2D;
import dev.graft.cache.MemoryCache;
import dev.graft.data.Dataset;
import dev.graft.conv.HostConvKernels;
import dev.graft.conv.ReferenceConvKernels;
import dev.graft.exec.KernelFamilies;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkCompiler;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import dev.graft.spi.Backend;
import dev.graft.spi.ConvGeometry;
import dev.graft.spi.ConvKernels;
import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.PoolingKernels;
import dev.graft.spi.ZeroPadding;
import dev.graft.train.Loss;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingConfig;
import dev.graft.train.TrainingListener;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Convolutional networks on a backend: each convolutional layer type's forward pass on odd sizes
 * (batch 1, 5×7 images, 3 channels, stride 2, {@code same} with even kernels, dilation 2) against
 * an independent double-precision computation and the reference backend; the gradients of whole
 * small CNNs against finite differences of that computation; SGD and Adam training against the
 * reference; frozen convolutions bit-identical; cached and uncached training equal with a frozen
 * base cached after its last pooling; and partial backprop real (kernel calls counted).
 */
public abstract class ConvConformance extends PredictorConformance {

    private static final Shape IMAGE = Shape.of(5, 7, 3);

    /** One layer (or a short stack) on 5×7×3 images, by case name. */
    private static Model single(String name) {
        Model.Builder b = Model.builder(IMAGE, name.hashCode());
        return switch (name) {
            case "conv_same_stride2" -> b.conv2d("c", 4, ConvWindow.of(3).strides(2).same(), Activation.RELU).build();
            case "conv_even_same" -> b.add(Conv2D.spec("c", 5, ConvWindow.of(2, 4).same(), Activation.TANH).withoutBias()).build();
            case "conv_dilated" -> b.conv2d("c", 2, ConvWindow.of(2).dilation(2), Activation.SIGMOID).build();
            case "conv_pointwise" -> b.conv2d("c", 6, 1, Activation.IDENTITY).build();
            case "depthwise_stride2" -> b.add(DepthwiseConv2D.spec("d", ConvWindow.of(3).strides(2).same(), Activation.ELU)
                    .multiplier(2)).build();
            case "depthwise_even_dilated" -> b.add(DepthwiseConv2D.spec("d", ConvWindow.of(2).dilation(2).same(),
                    Activation.IDENTITY).withoutBias()).build();
            case "max_pool_same" -> b.add(MaxPool2D.spec("p", ConvWindow.pool(2).same())).build();
            case "max_pool_valid" -> b.add(MaxPool2D.spec("p", ConvWindow.of(3, 2).strides(1, 2))).build();
            case "avg_pool_same" -> b.add(AvgPool2D.spec("p", ConvWindow.of(3).strides(2).same())).build();
            case "avg_pool_valid" -> b.avgPool("p", 2).build();
            case "global_avg" -> b.globalAvgPool("g").build();
            case "global_max" -> b.add(GlobalMaxPooling2D.spec("g")).build();
            case "flatten" -> b.flatten("f").build();
            case "zero_padding" -> b.add(ZeroPadding2D.spec("z", new ZeroPadding(1, 0, 2, 3))).build();
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"conv_same_stride2", "conv_even_same", "conv_dilated", "conv_pointwise", "depthwise_stride2",
            "depthwise_even_dilated", "max_pool_same", "max_pool_valid", "avg_pool_same", "avg_pool_valid", "global_avg",
            "global_max", "flatten", "zero_padding"})
    void eachLayerForwardMatchesAnIndependentComputationAndTheReference(String name) {
        Model model = single(name);
        for (int rows : new int[] {1, 4}) {
            float[] x = random(new SplittableRandom(rows * 7L + name.length()), rows * IMAGE.size(), 2);
            float[] actual = predict(backend, model, x, rows);
            float[] oracle = predict(reference, model, x, rows);
            double[][] independent = HostMath.outputs(model, x, rows);
            float[] expected = new float[actual.length];
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < independent[r].length; j++) {
                    expected[r * independent[r].length + j] = (float) independent[r][j];
                }
            }
            assertEquals(rows * model.outputWidth(), expected.length, name + ": output size");
            assertClose(name + " (batch " + rows + ") reference vs independent", expected, oracle, 1e-6, 1e-5);
            assertClose(name + " (batch " + rows + ") " + backend.name() + " vs independent", expected, actual, 1e-5, 1e-4);
            report(name + " forward (batch " + rows + ")", expected, actual);
        }
    }

    private static float[] predict(Backend on, Model model, float[] x, int rows) {
        float[] out = new float[rows * model.outputWidth()];
        try (Network net = Networks.open(on, NetworkPlan.inference(model, rows))) {
            net.predict(x, 0, rows, out, 0);
        }
        return out;
    }

    /** Small CNNs that together use every layer type, with smooth activations for finite differences. */
    private static Model network(String name, long seed) {
        Model.Builder b = Model.builder(IMAGE, seed);
        return switch (name) {
            case "chain" -> b.conv2d("c1", 4, ConvWindow.of(2).same(), Activation.TANH)
                    .add(DepthwiseConv2D.spec("dw", ConvWindow.of(3).strides(2).same(), Activation.TANH).multiplier(2))
                    .add(MaxPool2D.spec("mp", ConvWindow.of(2).same()))
                    .add(ZeroPadding2D.spec("zp", new ZeroPadding(1, 0, 2, 1)))
                    .conv2d("c2", 3, ConvWindow.of(2).dilation(2), Activation.SIGMOID)
                    .add(AvgPool2D.spec("ap", ConvWindow.pool(2).same()))
                    .flatten("flat")
                    .dense("out", 3, Activation.SOFTMAX).build();
            case "pads_and_pools" -> b.add(Conv2D.spec("c1", 3, ConvWindow.of(2, 4).same(), Activation.TANH).withoutBias())
                    .zeroPadding("zp", 1)
                    .add(MaxPool2D.spec("mp", ConvWindow.of(2).same()))
                    .conv2d("c2", 4, ConvWindow.of(3).strides(2), Activation.SIGMOID)
                    .add(AvgPool2D.spec("ap", ConvWindow.of(2).strides(1).same()))
                    .flatten("flat")
                    .dense("out", 3, Activation.SOFTMAX).build();
            case "global_avg" -> b.conv2d("c1", 4, ConvWindow.of(3).strides(2).same(), Activation.TANH)
                    .globalAvgPool("gap").dense("out", 3, Activation.IDENTITY).build();
            case "global_max" -> b.add(Conv2D.spec("c1", 4, ConvWindow.of(2, 3).strides(2), Activation.TANH).withoutBias())
                    .add(GlobalMaxPooling2D.spec("gmp")).dense("out", 3, Activation.SOFTMAX).build();
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"chain", "pads_and_pools", "global_avg", "global_max"})
    void cnnGradientsMatchFiniteDifferences(String name) {
        int rows = 3;
        Model model = network(name, 5);
        SplittableRandom r = new SplittableRandom(name.length());
        float[] x = random(r, rows * IMAGE.size(), 1.5);
        float[] labels = {0, 2, 1};
        Model after = GradientCheck.afterOneStep(backend, model, x, labels, rows);
        for (int li = 0; li < model.size(); li++) {
            Layer before = model.layer(li);
            for (Parameter p : before.parameters()) {
                GradientCheck.Gradient g = GradientCheck.of(model, after, li, p.name(), 1e-4,
                        m -> HostMath.meanLoss(m, x, labels, rows, Loss.SOFTMAX_CROSS_ENTROPY));
                assertClose(name + ": " + before.name() + "." + p.name() + " gradient", g.fromDifferences(), g.fromStep(),
                        3e-5, 3e-3);
                report(name + " " + before.name() + "." + p.name() + " gradient vs finite differences",
                        g.fromDifferences(), g.fromStep());
            }
        }
    }

    /** 48 images whose labels depend on their corners. */
    private static Dataset images(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 48;
        float[] x = random(r, n * IMAGE.size(), 1);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int o = i * IMAGE.size();
            y[i] = (x[o] + x[o + 4] > 0 ? 1 : 0) + (x[o + IMAGE.size() - 1] > 0.5f ? 1 : 0);
        }
        return Dataset.classification(x, IMAGE.size(), y, 3);
    }

    private static Trainer.Builder trainer(Backend on, Optimizer optimizer) {
        return Trainer.builder(on).optimizer(optimizer).epochs(2).batchSize(8).seed(5);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam"})
    void cnnTrainsLikeTheReference(String optimizerName) {
        Optimizer optimizer = optimizerName.equals("sgd") ? Optimizer.sgd(0.1f) : Optimizer.adam(0.01f);
        for (String name : List.of("chain", "pads_and_pools", "global_avg")) {
            Model model = network(name, 31);
            Dataset data = images(6);
            Model expected = trainer(reference, optimizer).build().fit(model, data).model();
            Model actual = trainer(backend, optimizer).build().fit(model, data).model();
            assertParametersClose(name + " with " + optimizerName, expected, actual);
            assertFalse(model.layer("c1").sameParameters(actual.layer("c1")), "the convolution trains");
        }
    }

    /** Prints the largest absolute difference (the measured error, for reports). */
    private void report(String what, float[] expected, float[] actual) {
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs((double) actual[i] - expected[i]));
        }
        System.out.printf("conv conformance %s: %s max |error| %.3e%n", backend.name(), what, max);
    }

    static void assertParametersClose(String what, Model expected, Model actual) {
        for (int i = 0; i < expected.size(); i++) {
            Layer e = expected.layer(i);
            for (Parameter p : e.parameters()) {
                assertClose(what + ": " + e.name() + "." + p.name(), e.parameterValues(p.name()),
                        actual.layer(i).parameterValues(p.name()), 3e-5, 3e-4);
            }
        }
    }

    private static Model base(long seed) {
        return Model.builder(IMAGE, seed)
                .conv2d("conv1", 4, ConvWindow.of(3).same(), Activation.RELU).maxPool("pool1", 2)
                .conv2d("conv2", 6, ConvWindow.of(2).same(), Activation.RELU)
                .add(MaxPool2D.spec("pool2", ConvWindow.pool(2).same()))
                .flatten("flat").dense("hidden", 8, Activation.TANH).dense("out", 3, Activation.SOFTMAX).build();
    }

    /**
     * The default composition that backends without their own convolutions get
     * ({@code KernelFamilies.composed}: {@link HostConvKernels}, lowered to this backend's GEMM unless
     * it is the reference) and the lowered path forced, with one column matrix per batch and with a
     * limit that makes every image its own chunk: Conv2D and both gradients against the reference's
     * double loops on odd geometries.
     */
    @ParameterizedTest
    @ValueSource(strings = {"same_stride2", "even_same", "dilated", "pointwise", "valid"})
    void defaultConvCompositionMatchesTheReferenceLoops(String name) {
        ConvWindow window = switch (name) {
            case "same_stride2" -> ConvWindow.of(3).strides(2).same();
            case "even_same" -> ConvWindow.of(2, 4).same();
            case "dilated" -> ConvWindow.of(2).dilation(2);
            case "pointwise" -> ConvWindow.of(1);
            default -> ConvWindow.of(3);
        };
        ConvGeometry g = window.geometry(IMAGE);
        int filters = 4;
        List<DeviceBuffer> owned = new ArrayList<>();
        try {
            ConvKernels composed = KernelFamilies.composed(backend, ConvKernels.class, n -> keep(owned, backend.allocate(n)));
            for (int batch : new int[] {1, 5}) {
                SplittableRandom r = new SplittableRandom(batch * 131L + name.hashCode());
                float[] x = random(r, batch * g.inputSize(), 2);
                float[] kernel = random(r, g.windowSize() * g.channels() * filters, 1);
                float[] bias = random(r, filters, 1);
                float[] dy = random(r, batch * g.outPixels() * filters, 1);
                float[] y = ReferenceConvKernels.conv2d(g, batch, x, kernel, filters, bias);
                float[] dx = ReferenceConvKernels.conv2dBackwardInput(g, batch, dy, kernel, filters);
                float[] dw = ReferenceConvKernels.conv2dBackwardKernel(g, batch, x, dy, filters);
                Map<String, ConvKernels> variants = Map.of("default composition", composed,
                        "lowered, one chunk", new HostConvKernels(backend, false, HostConvKernels.DEFAULT_SCRATCH_FLOATS),
                        "lowered, an image a chunk", new HostConvKernels(backend, false, 1));
                for (Map.Entry<String, ConvKernels> v : variants.entrySet()) {
                    String what = name + " batch " + batch + ", " + v.getKey() + " on " + backend.name();
                    ConvKernels k = v.getValue();
                    DeviceBuffer xb = upload(owned, x);
                    DeviceBuffer kb = upload(owned, kernel);
                    DeviceBuffer dyb = upload(owned, dy);
                    DeviceBuffer out = keep(owned, backend.allocate(y.length));
                    k.conv2d(g, batch, xb, kb, filters, upload(owned, bias), out);
                    assertClose(what + ": conv2d", y, download(out, y.length), 1e-5, 1e-4);
                    DeviceBuffer gx = keep(owned, backend.allocate(dx.length));
                    k.conv2dBackwardInput(g, batch, dyb, kb, filters, gx);
                    assertClose(what + ": input gradient", dx, download(gx, dx.length), 1e-5, 1e-4);
                    DeviceBuffer gw = keep(owned, backend.allocate(dw.length));
                    backend.upload(random(r, dw.length, 9), 0, gw, 0, dw.length); // written, not accumulated into
                    k.conv2dBackwardKernel(g, batch, xb, dyb, filters, gw);
                    assertClose(what + ": kernel gradient", dw, download(gw, dw.length), 1e-5, 1e-4);
                }
            }
        } finally {
            owned.forEach(DeviceBuffer::close);
        }
    }

    private DeviceBuffer upload(List<DeviceBuffer> owned, float[] values) {
        DeviceBuffer b = keep(owned, backend.allocate(values.length));
        backend.upload(values, 0, b, 0, values.length);
        return b;
    }

    private float[] download(DeviceBuffer b, int length) {
        float[] out = new float[length];
        backend.download(b, 0, out, 0, length);
        return out;
    }

    @Test
    void frozenConvBaseIsCachedAfterItsLastPoolingAndTrainsAsUncached() {
        Model model = Transfer.from(base(12)).freezeThrough("pool2").build();
        Dataset data = images(13);
        List<TrainingListener.FeaturesEvent> events = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override public void onFeatures(FeaturesEvent event) { events.add(event); }
        };
        Optimizer adam = Optimizer.adam(0.01f);
        Model plain = trainer(backend, adam).build().fit(model, data).model();
        Model cached = trainer(backend, adam).cache(new MemoryCache()).listener(listener).build().fit(model, data).model();
        assertEquals(1, events.size(), "the frozen convolutional base was featurized once");
        assertEquals(4, events.get(0).frozenLayers(), "conv1, pool1, conv2, pool2");
        assertParametersClose("cached vs uncached", plain, cached);
        for (Model trained : List.of(plain, cached)) {
            for (String frozen : List.of("conv1", "conv2")) {
                assertTrue(model.layer(frozen).sameParameters(trained.layer(frozen)), frozen + " stays bit-identical");
            }
            assertFalse(model.layer("hidden").sameParameters(trained.layer("hidden")), "the head trains");
        }
    }

    @Test
    void aFrozenConvBelowATrainableOneStaysBitIdentical() {
        Model model = Transfer.from(base(14)).freezeThrough("pool1").build();
        Model trained = trainer(backend, Optimizer.adam(0.01f)).build().fit(model, images(15)).model();
        assertTrue(model.layer("conv1").sameParameters(trained.layer("conv1")), "frozen conv1 bit-identical");
        assertFalse(model.layer("conv2").sameParameters(trained.layer("conv2")), "trainable conv2 trains");
    }

    @Test
    void partialBackpropComputesNoGradientBelowTheLowestTrainableConv() {
        Model full = Model.builder(IMAGE, 3)
                .conv2d("c1", 3, ConvWindow.of(3).same(), Activation.RELU)
                .conv2d("c2", 4, ConvWindow.of(3).strides(2).same(), Activation.RELU)
                .conv2d("c3", 2, 2, Activation.RELU)
                .add(MaxPool2D.spec("pool", ConvWindow.pool(2).same())).flatten("flat")
                .dense("out", 3, Activation.IDENTITY).build();
        Model frozen = Transfer.from(full).freezeThrough("c1").build();
        Map<String, Integer> calls = new TreeMap<>();
        Backend counting = counting(backend, calls);
        TrainingConfig config = new TrainingConfig(Loss.SOFTMAX_CROSS_ENTROPY, Optimizer.sgd(0.1f), 0, Map.of(), 1);
        try (Network net = Networks.open(counting, new NetworkPlan(frozen, config, 2))) {
            calls.clear();
            net.trainStep(random(new SplittableRandom(1), 2 * IMAGE.size(), 1), new float[] {0, 2}, 2);
        }
        assertEquals(Map.of("conv2d", 3, "conv2dBackwardKernel", 2, "conv2dBackwardInput", 1,
                "maxPool", 1, "maxPoolBackward", 1), calls,
                "c3 gets kernel and input gradients, c2 only its kernel gradient, frozen c1 nothing");
    }

    /**
     * {@code on} with its kernel families wrapped to count calls by method name, and without a
     * whole-pass compiler (so the portable executor runs every layer over the counted kernels).
     */
    private static Backend counting(Backend on, Map<String, Integer> calls) {
        return (Backend) Proxy.newProxyInstance(ConvConformance.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("capability")) {
                        Class<?> type = (Class<?>) args[0];
                        if (type == NetworkCompiler.class) {
                            return Optional.empty();
                        }
                        if (type == ConvKernels.class || type == PoolingKernels.class) {
                            Object family = dev.graft.exec.KernelFamilies.of(on, type, on::allocate);
                            return Optional.of(type.cast(Proxy.newProxyInstance(ConvConformance.class.getClassLoader(),
                                    new Class<?>[] {type}, (p, m, a) -> {
                                        calls.merge(m.getName(), 1, Integer::sum);
                                        return invoke(m, family, a);
                                    })));
                        }
                    }
                    return invoke(method, on, args);
                });
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
