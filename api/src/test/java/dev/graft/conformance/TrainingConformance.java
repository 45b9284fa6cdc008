package dev.graft.conformance;

import static dev.graft.conformance.Conformance.assertClose;
import static dev.graft.conformance.Conformance.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.data.Dataset;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import dev.graft.train.LearningRateSchedule;
import dev.graft.train.Loss;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingConfig;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Whole-network behaviour through {@link Networks#open}: gradients of every layer
 * and loss against finite differences, inference and short training runs against the reference
 * backend, and the freeze contract.
 */
public abstract class TrainingConformance extends KernelConformance {

    static Stream<Arguments> gradientCases() {
        return Stream.of(
                Arguments.of(Activation.TANH, Activation.IDENTITY, Loss.SOFTMAX_CROSS_ENTROPY),
                Arguments.of(Activation.SIGMOID, Activation.SOFTMAX, Loss.SOFTMAX_CROSS_ENTROPY),
                Arguments.of(Activation.ELU, Activation.SIGMOID, Loss.MEAN_SQUARED_ERROR),
                Arguments.of(Activation.leakyRelu(0.2f), Activation.IDENTITY, Loss.MEAN_SQUARED_ERROR),
                Arguments.of(Activation.RELU, Activation.TANH, Loss.MEAN_SQUARED_ERROR),
                Arguments.of(Activation.SOFTMAX, Activation.IDENTITY, Loss.SOFTMAX_CROSS_ENTROPY),
                Arguments.of(Activation.RELU6, Activation.SELU, Loss.MEAN_SQUARED_ERROR),
                Arguments.of(Activation.SWISH, Activation.HARD_SIGMOID, Loss.MEAN_SQUARED_ERROR),
                Arguments.of(Activation.HARD_SWISH, Activation.SWISH, Loss.MEAN_SQUARED_ERROR),
                Arguments.of(Activation.SELU, Activation.HARD_SWISH, Loss.MEAN_SQUARED_ERROR),
                Arguments.of(Activation.HARD_SIGMOID, Activation.IDENTITY, Loss.SOFTMAX_CROSS_ENTROPY));
    }

    /**
     * One SGD step with learning rate 1 moves each parameter by minus its gradient; that movement
     * must equal a central finite difference of an independent double-precision loss.
     */
    @ParameterizedTest(name = "gradients hidden={0} top={1} loss={2}")
    @MethodSource("gradientCases")
    void gradientsMatchFiniteDifferences(Activation hidden, Activation top, Loss loss) {
        int rows = 5;
        Model model = Model.builder(6, 77).dense("h1", 5, hidden).dense("h2", 4, Activation.TANH).dense("out", 3, top).build();
        SplittableRandom r = new SplittableRandom(hidden.toString().hashCode() * 31L + top.toString().hashCode());
        float[] x = random(r, rows * 6, 1.5);
        float[] targets = loss.usesClassLabels() ? new float[rows] : random(r, rows * 3, 1);
        if (loss.usesClassLabels()) {
            for (int i = 0; i < rows; i++) {
                targets[i] = r.nextInt(3);
            }
        }
        Model after;
        TrainingConfig config = new TrainingConfig(loss, Optimizer.sgd(1f), 0f, Map.of(), 1);
        try (Network net = Networks.open(backend, new NetworkPlan(model, config, rows))) {
            net.trainStep(x, targets, rows);
            after = net.snapshot();
        }
        for (int li = 0; li < model.size(); li++) {
            Dense before = (Dense) model.layer(li);
            Dense moved = (Dense) after.layer(li);
            float[] w = before.weights();
            float[] b = before.bias();
            float[] gw = new float[w.length];
            float[] gb = new float[b.length];
            float[] fdw = new float[w.length];
            float[] fdb = new float[b.length];
            float[] wAfter = moved.weights();
            float[] bAfter = moved.bias();
            for (int i = 0; i < w.length; i++) {
                gw[i] = w[i] - wAfter[i];
                fdw[i] = (float) finiteDifference(model, li, i, true, x, targets, rows, loss);
            }
            for (int i = 0; i < b.length; i++) {
                gb[i] = b[i] - bAfter[i];
                fdb[i] = (float) finiteDifference(model, li, i, false, x, targets, rows, loss);
            }
            assertClose(before.name() + " weight gradient", fdw, gw, 3e-5, 3e-3);
            assertClose(before.name() + " bias gradient", fdb, gb, 3e-5, 3e-3);
        }
    }

    private static double finiteDifference(Model model, int layer, int index, boolean weight,
                                           float[] x, float[] targets, int rows, Loss loss) {
        Dense d = (Dense) model.layer(layer);
        float base = weight ? d.weights()[index] : d.bias()[index];
        float up = (float) (base + 1e-3);
        float down = (float) (base - 1e-3);
        double lossUp = lossWith(model, layer, index, weight, up, x, targets, rows, loss);
        double lossDown = lossWith(model, layer, index, weight, down, x, targets, rows, loss);
        return (lossUp - lossDown) / ((double) up - down);
    }

    private static double lossWith(Model model, int layer, int index, boolean weight, float value,
                                   float[] x, float[] targets, int rows, Loss loss) {
        Dense d = (Dense) model.layer(layer);
        float[] w = d.weights();
        float[] b = d.bias();
        (weight ? w : b)[index] = value;
        return HostMath.meanLoss(model.with(layer, d.withParameters(w, b)), x, targets, rows, loss);
    }

    private static Model mlp(long seed) {
        return Model.builder(20, seed)
                .dense("hidden1", 16, Activation.RELU)
                .dropout("drop", 0.25f)
                .dense("hidden2", 12, Activation.TANH)
                .dense("output", 4, Activation.IDENTITY)
                .build();
    }

    /** 240 samples of 20 features whose labels come from a random linear teacher. */
    static Dataset syntheticClasses(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 240;
        float[] x = random(r, n * 20, 1);
        float[] teacher = random(r, 20 * 4, 1);
        int[] labels = new int[n];
        for (int s = 0; s < n; s++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < 4; c++) {
                double v = 0;
                for (int j = 0; j < 20; j++) {
                    v += x[s * 20 + j] * teacher[j * 4 + c];
                }
                if (v > best) {
                    best = v;
                    labels[s] = c;
                }
            }
        }
        return Dataset.classification(x, 20, labels, 4);
    }

    @Test
    void inferenceMatchesReference() {
        Model model = Transfer.from(mlp(3)).keepThrough("hidden2").add(Dense.spec("probs", 4, Activation.SOFTMAX)).seed(4).build();
        Dataset data = syntheticClasses(5);
        float[] x = data.features();
        float[] expected = new float[data.size() * 4];
        float[] actual = new float[data.size() * 4];
        try (Network ref = Networks.open(reference, NetworkPlan.inference(model, 100));
             Network net = Networks.open(backend, NetworkPlan.inference(model, 100))) {
            for (int from = 0; from < data.size(); from += 100) {
                int rows = Math.min(100, data.size() - from);
                ref.predict(x, from * 20, rows, expected, from * 4);
                net.predict(x, from * 20, rows, actual, from * 4);
            }
        }
        assertClose("inference outputs", expected, actual, 1e-5, 1e-4);
    }

    static Stream<Optimizer> optimizers() {
        return Stream.of(Optimizer.sgd(0.1f), Optimizer.nesterov(0.05f, 0.9f), Optimizer.adam(0.01f));
    }

    @ParameterizedTest(name = "training run matches reference with {0}")
    @MethodSource("optimizers")
    void trainingRunMatchesReference(Optimizer optimizer) {
        Model model = mlp(21);
        Dataset data = syntheticClasses(22);
        Model expected = train(reference, model, data, optimizer);
        Model actual = train(backend, model, data, optimizer);
        for (int i = 0; i < model.size(); i++) {
            if (expected.layer(i) instanceof Dense e) {
                Dense a = (Dense) actual.layer(i);
                assertClose(e.name() + " weights after training", e.weights(), a.weights(), 2e-4, 2e-3);
                assertClose(e.name() + " bias after training", e.bias(), a.bias(), 2e-4, 2e-3);
            }
        }
    }

    private static Model train(dev.graft.spi.Backend on, Model model, Dataset data, Optimizer optimizer) {
        return Trainer.builder(on).optimizer(optimizer).epochs(3).batchSize(32).seed(9).l2(1e-4f)
                .learningRateMultiplier("hidden1", 0.5f).build().fit(model, data).model();
    }

    @Test
    void frozenLayersStayBitIdenticalAndTrainableOnesMove() {
        Model original = mlp(31);
        Model frozenBottom = Transfer.from(original).freezeThrough("hidden1").build();
        Model frozenMiddle = Transfer.from(original).freeze("hidden2").build();
        Dataset data = syntheticClasses(32);
        for (Model model : new Model[] {frozenBottom, frozenMiddle}) {
            Model trained = Trainer.builder(backend).optimizer(Optimizer.momentum(0.05f, 0.9f)).epochs(2).batchSize(16)
                    .seed(1).build().fit(model, data).model();
            for (int i = 0; i < model.size(); i++) {
                Layer before = model.layer(i);
                if (!(before instanceof Dense d)) {
                    continue;
                }
                Dense now = (Dense) trained.layer(i);
                if (d.trainable()) {
                    assertFalse(d.sameParameters(now), d.name() + " is trainable but did not change");
                } else {
                    assertTrue(d.sameParameters(now), d.name() + " is frozen but changed");
                }
                assertTrue(d.sameParameters((Dense) original.layer(i)), "training changed the caller's model at " + d.name());
            }
        }
    }
    /**
     * A learning-rate schedule changes the rate between epochs; the optimizer's state (momentum,
     * Adam's moments and step count) must carry on, as in Keras and PyTorch, not start over. Checked
     * against the same training by hand in double precision ({@code y = w·x + b}, squared error, one
     * sample per step, the rate halved every epoch), which also shows that restarting the state would
     * be told apart; plain SGD checks the new rates reach a update the op may apply itself.
     */
    @ParameterizedTest(name = "optimizer state across a scheduled rate change: {0}")
    @ValueSource(strings = {"momentum", "adam", "sgd"})
    void optimizerStateCarriesAcrossScheduledRateChanges(String kind) {
        Optimizer optimizer = switch (kind) {
            case "adam" -> Optimizer.adam(0.1f);
            case "momentum" -> Optimizer.momentum(0.1f, 0.9f);
            default -> Optimizer.sgd(0.1f); // no state; the update may be folded into the gradient's GEMM
        };
        Model model = new Model(List.of(new Dense("d", 1, 1, Activation.IDENTITY, new float[] {0.5f}, new float[] {0.1f})));
        TrainingConfig config = new TrainingConfig(Loss.MEAN_SQUARED_ERROR, optimizer, 0f, Map.of(), 1);
        try (Network probe = Networks.open(backend, new NetworkPlan(model, config, 1))) {
            Assumptions.assumeTrue(probe.setLearningRate(0.05f), backend.name() + "'s network cannot change its learning "
                    + "rate in place: the trainer places it again and the optimizer state starts over (logged)");
        }
        float[] xs = {1f, 2f, -1f};
        float[] ts = {3f, 5f, -0.5f};
        Trainer trainer = Trainer.builder(backend).optimizer(optimizer).loss(Loss.MEAN_SQUARED_ERROR).epochs(3).batchSize(1)
                .shuffle(false).learningRateSchedule(LearningRateSchedule.step(1, 0.5f)).build();
        Dense trained = (Dense) trainer.fit(model, Dataset.regression(xs, 1, ts, 1)).model().layer(0);
        double[] carried = trainedByHand(optimizer, xs, ts, true);
        double[] restarted = trainedByHand(optimizer, xs, ts, false);
        if (!kind.equals("sgd")) {
            assertTrue(Math.abs(carried[0] - restarted[0]) > 1e-2, "the check must tell carried state from restarted state");
        }
        assertEquals(carried[0], trained.weights()[0], 1e-4, kind + ": weight after three epochs");
        assertEquals(carried[1], trained.bias()[0], 1e-4, kind + ": bias after three epochs");
    }

    /** {@code {w, b}} after three epochs at rates 0.1, 0.05, 0.025, with the state kept or reset each epoch. */
    private static double[] trainedByHand(Optimizer optimizer, float[] xs, float[] ts, boolean carryState) {
        double[] p = {0.5f, 0.1f};
        double[] m = new double[2];
        double[] v = new double[2];
        long step = 0;
        for (int epoch = 1; epoch <= 3; epoch++) {
            double rate = 0.1f * Math.pow(0.5, epoch - 1);
            if (!carryState) {
                m = new double[2];
                v = new double[2];
                step = 0;
            }
            for (int i = 0; i < xs.length; i++) {
                double d = 2 * (p[0] * xs[i] + p[1] - ts[i]);
                double[] g = {d * xs[i], d};
                step++;
                for (int k = 0; k < 2; k++) {
                    if (optimizer instanceof Optimizer.Adam adam) {
                        m[k] = adam.beta1() * m[k] + (1 - adam.beta1()) * g[k];
                        v[k] = adam.beta2() * v[k] + (1 - adam.beta2()) * g[k] * g[k];
                        double corrected = rate * Math.sqrt(1 - Math.pow(adam.beta2(), step)) / (1 - Math.pow(adam.beta1(), step));
                        p[k] -= corrected * m[k] / (Math.sqrt(v[k]) + adam.epsilon());
                    } else {
                        Optimizer.Sgd sgd = (Optimizer.Sgd) optimizer;
                        m[k] = sgd.momentum() * m[k] + g[k];
                        p[k] -= rate * m[k];
                    }
                }
            }
        }
        return p;
    }
}
