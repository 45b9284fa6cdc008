package dev.graft.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.BatchNorm;
import dev.graft.Conv2D;
import dev.graft.ConvWindow;
import dev.graft.Layer;
import dev.graft.MaxPool2D;
import dev.graft.Model;
import dev.graft.Shape;
import dev.graft.Transfer;
import dev.graft.exec.KernelNetwork;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkCompiler;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import dev.graft.reference.ReferenceBackend;
import dev.graft.spi.Backend;
import dev.graft.train.Loss;
import dev.graft.train.Optimizer;
import dev.graft.train.TrainingConfig;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The cpu backend's folding of frozen {@code Conv2D → BatchNorm → ReLU → MaxPool2D} runs
 * ({@link CpuNetworkCompiler}, {@link CpuConvBlock}): inference on odd sizes (9×11×3 images, stride 2,
 * {@code same} with even kernels, dilation 2, uneven pooling windows, BatchNorm with learned-looking
 * statistics) against the reference backend; training above a folded base equal to training layer by
 * layer, with the original frozen layers in the snapshot; nothing folded above a trainable layer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CpuNetworkCompilerTest {

    private static final Shape IMAGE = Shape.of(9, 11, 3);

    private Backend cpu;
    private Backend layerByLayer;
    private Backend reference;

    @BeforeAll
    void open() {
        cpu = CpuTestSupport.open();
        layerByLayer = withoutCompiler(cpu);
        reference = new ReferenceBackend();
    }

    @AfterAll
    void close() {
        cpu.close();
        reference.close();
    }

    private static Model model(String name) {
        Model.Builder b = Model.builder(IMAGE, name.hashCode());
        Model m = switch (name) {
            case "bn_relu_pool_same_stride2" -> b.add(Conv2D.spec("c", 5, ConvWindow.of(3).strides(2).same(), Activation.IDENTITY)
                            .withoutBias()).add(BatchNorm.spec("bn")).activation("relu", Activation.RELU)
                    .add(MaxPool2D.spec("p", ConvWindow.pool(2).same())).flatten("f").dense("out", 3, Activation.IDENTITY).build();
            case "bias_relu_uneven_pool" -> b.conv2d("c", 4, ConvWindow.of(2, 4).same(), Activation.RELU)
                    .add(MaxPool2D.spec("p", ConvWindow.of(3, 2).strides(1, 2))).flatten("f").dense("out", 3, Activation.IDENTITY).build();
            case "dilated_bn_no_activation" -> b.conv2d("c", 3, ConvWindow.of(2).dilation(2), Activation.IDENTITY)
                    .add(BatchNorm.spec("bn")).flatten("f").dense("out", 3, Activation.IDENTITY).build();
            case "two_blocks" -> b.add(Conv2D.spec("c1", 6, 3, Activation.IDENTITY).withoutBias()).add(BatchNorm.spec("bn1"))
                    .activation("r1", Activation.RELU).maxPool("p1", 2)
                    .add(Conv2D.spec("c2", 8, 2, Activation.IDENTITY).withoutBias()).add(BatchNorm.spec("bn2"))
                    .activation("r2", Activation.RELU).maxPool("p2", 2).flatten("f").dense("out", 3, Activation.IDENTITY).build();
            default -> throw new IllegalArgumentException(name);
        };
        return withStatistics(m, new SplittableRandom(name.length()));
    }

    /** Every BatchNorm with non-trivial gamma, beta and moving statistics, as after training. */
    private static Model withStatistics(Model m, SplittableRandom r) {
        for (int i = 0; i < m.size(); i++) {
            if (m.layer(i) instanceof BatchNorm bn) {
                int c = bn.channels();
                m = m.with(i, bn.withParameters(Map.of("gamma", values(r, c, 0.5, 1.5), "beta", values(r, c, -0.5, 0.5),
                        "moving_mean", values(r, c, -0.3, 0.3), "moving_variance", values(r, c, 0.2, 2))));
            }
        }
        return m;
    }

    private static float[] values(SplittableRandom r, int n, double lo, double hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return v;
    }

    @ParameterizedTest
    @ValueSource(strings = {"bn_relu_pool_same_stride2", "bias_relu_uneven_pool", "dilated_bn_no_activation", "two_blocks"})
    void foldedInferenceMatchesTheReference(String name) {
        Model model = model(name);
        for (int rows : new int[] {1, 5}) {
            float[] x = CpuTestSupport.random(new SplittableRandom(rows * 17L), rows * IMAGE.size());
            float[] folded = new float[rows * model.outputWidth()];
            try (Network net = Networks.open(cpu, NetworkPlan.inference(model, rows))) {
                assertFalse(net instanceof KernelNetwork, name + ": the cpu backend folds the convolution run");
                net.predict(x, 0, rows, folded, 0);
            }
            float[] expected = predict(reference, model, x, rows);
            double[] e = new double[expected.length];
            for (int i = 0; i < e.length; i++) {
                e[i] = expected[i];
            }
            CpuTestSupport.assertClose(e, folded, 1e-5, name + " (batch " + rows + ") folded vs reference");
        }
    }

    @Test
    void trainingAboveAFoldedBaseMatchesLayerByLayerAndKeepsTheOriginalLayers() {
        Model model = Transfer.from(model("two_blocks")).freezeThrough("p2").build();
        TrainingConfig config = new TrainingConfig(Loss.SOFTMAX_CROSS_ENTROPY, Optimizer.momentum(0.05f, 0.9f), 0, Map.of(), 1);
        SplittableRandom r = new SplittableRandom(3);
        int rows = 6;
        Model folded = train(cpu, model, config, r.split(), rows);
        Model plain = train(layerByLayer, model, config, r.split(), rows);
        assertEquals(model.names(), folded.names(), "the snapshot has the model's own layers");
        for (String frozen : new String[] {"c1", "bn1", "c2", "bn2"}) {
            assertSame(model.layer(frozen), folded.layer(frozen), frozen + ": the very layer of the plan's model");
        }
        Layer trained = folded.layer("out");
        assertFalse(trained.sameParameters(model.layer("out")), "the head trains");
        float[] a = plain.layer("out").parameterValues("kernel");
        float[] b = trained.parameterValues("kernel");
        double[] e = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            e[i] = a[i];
        }
        CpuTestSupport.assertClose(e, b, 1e-5, "head kernel after 4 steps, folded base vs layer by layer");
    }

    private static Model train(Backend backend, Model model, TrainingConfig config, SplittableRandom r, int rows) {
        try (Network net = Networks.open(backend, new NetworkPlan(model, config, rows))) {
            for (int step = 0; step < 4; step++) {
                SplittableRandom s = new SplittableRandom(step);
                float[] x = CpuTestSupport.random(s, rows * IMAGE.size());
                float[] labels = new float[rows];
                for (int i = 0; i < rows; i++) {
                    labels[i] = s.nextInt(3);
                }
                net.trainStep(x, labels, rows);
            }
            return net.snapshot();
        }
    }

    @Test
    void nothingIsFoldedAboveATrainableLayer() {
        Model m = model("two_blocks");
        // c1 trains, so every layer is differentiated and c2's block must stay layer by layer
        Model model = m.with(m.indexOf("c2"), m.layer("c2").withTrainable(false))
                .with(m.indexOf("bn2"), m.layer("bn2").withTrainable(false));
        TrainingConfig config = new TrainingConfig(Loss.SOFTMAX_CROSS_ENTROPY, Optimizer.sgd(0.1f), 0, Map.of(), 1);
        try (Network net = Networks.open(cpu, new NetworkPlan(model, config, 2))) {
            assertInstanceOf(KernelNetwork.class, net, "a plan whose lowest layer trains has no frozen prefix to fold");
        }
        assertTrue(model.layer("c1").trainable());
    }

    private static float[] predict(Backend on, Model model, float[] x, int rows) {
        float[] out = new float[rows * model.outputWidth()];
        try (Network net = Networks.open(on, NetworkPlan.inference(model, rows))) {
            net.predict(x, 0, rows, out, 0);
        }
        return out;
    }

    /** {@code on} without its whole-pass compiler: every layer runs on its own kernels. */
    private static Backend withoutCompiler(Backend on) {
        return (Backend) Proxy.newProxyInstance(CpuNetworkCompilerTest.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("capability") && args[0] == NetworkCompiler.class) {
                        return Optional.empty();
                    }
                    try {
                        return method.invoke(on, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
