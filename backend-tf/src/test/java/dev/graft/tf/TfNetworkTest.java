package dev.graft.tf;

import static dev.graft.conformance.Conformance.assertClose;
import static dev.graft.conformance.Conformance.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.conformance.Conformance;
import dev.graft.reference.ReferenceBackend;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.exec.Network;
import dev.graft.exec.Networks;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.StepStats;
import dev.graft.train.Loss;
import dev.graft.train.Optimizer;
import dev.graft.train.TrainingConfig;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The compiled {@link TfNetwork} against the reference backend's kernel network on what the shared
 * suite leaves out: heavy-ball momentum with L2 and per-layer multipliers (one of them 0), a
 * trainable dropout layer, and the error paths.
 */
class TfNetworkTest {

    private static Backend tf;
    private static Backend reference;

    @BeforeAll
    static void open() {
        TfBackendProvider provider = new TfBackendProvider();
        Conformance.requireOrSkip(provider);
        tf = provider.open(BackendOptions.defaults().withThreads(1));
        reference = new ReferenceBackend();
    }

    @AfterAll
    static void close() {
        if (tf != null) {
            tf.close();
        }
        reference.close();
    }

    private static Model transferModel() {
        Model original = Model.builder(12, 5)
                .dense("hidden1", 10, Activation.RELU)
                .dense("hidden2", 9, Activation.TANH)
                .dense("hidden3", 8, Activation.elu(0.7f))
                .dense("output", 4, Activation.SOFTMAX)
                .build();
        return Transfer.from(original).freezeThrough("hidden1").add(Dense.spec("head", 4, Activation.SOFTMAX))
                .keepThrough("hidden3").build();
    }

    @Test
    void momentumWithL2AndMultipliersMatchesKernelNetwork() {
        Model base = transferModel();
        Model model = withDropout(base);
        assertFalse(model.layer("hidden1").trainable(), "test setup: hidden1 frozen");
        TrainingConfig config = new TrainingConfig(Loss.SOFTMAX_CROSS_ENTROPY, Optimizer.momentum(0.05f, 0.8f), 0.01f,
                Map.of("hidden2", 0f, "hidden3", 0.5f), 42);
        SplittableRandom r = new SplittableRandom(3);
        int rows = 16;
        try (Network a = Networks.open(tf, new NetworkPlan(model, config, rows));
             Network b = Networks.open(reference, new NetworkPlan(model, config, rows))) {
            for (int s = 0; s < 6; s++) {
                float[] x = random(r, rows * 12, 2);
                float[] y = new float[rows];
                for (int i = 0; i < rows; i++) {
                    y[i] = r.nextInt(4);
                }
                StepStats sa = a.trainStep(x, y, rows);
                StepStats sb = b.trainStep(x, y, rows);
                assertClose("loss at step " + s, sb.lossSum(), sa.lossSum(), 1e-4, 1e-4);
                assertEquals(sb.correct(), sa.correct(), "correct at step " + s);
            }
            Model ta = a.snapshot();
            Model tb = b.snapshot();
            for (int i = 0; i < model.size(); i++) {
                if (model.layer(i) instanceof Dense d) {
                    assertClose(d.name() + " weights", ((Dense) tb.layer(i)).weights(), ((Dense) ta.layer(i)).weights(), 1e-5, 1e-4);
                    assertClose(d.name() + " bias", ((Dense) tb.layer(i)).bias(), ((Dense) ta.layer(i)).bias(), 1e-5, 1e-4);
                }
            }
            assertSame(model.layer("hidden1"), ta.layer("hidden1"), "a frozen layer is the plan's very layer");
            assertTrue(((Dense) model.layer("hidden2")).sameParameters((Dense) ta.layer("hidden2")),
                    "multiplier 0 leaves hidden2 untouched");
            assertFalse(((Dense) model.layer("hidden3")).sameParameters((Dense) ta.layer("hidden3")), "hidden3 trains");

            float[] in = random(r, 3 * 12 + 5, 1);
            float[] outA = new float[2 + 3 * 4];
            float[] outB = new float[2 + 3 * 4];
            a.predict(in, 5, 3, outA, 2);
            b.predict(in, 5, 3, outB, 2);
            assertClose("predict with offsets after training", outB, outA, 1e-5, 1e-4);
        }
    }

    private static Model withDropout(Model m) {
        return Transfer.from(m).keepThrough("hidden3").add(dev.graft.Dropout.spec("drop", 0.3f))
                .add(Dense.spec("head2", 4, Activation.SOFTMAX)).build();
    }

    @Test
    void rejectsBadLabelsAndInferenceOnlyTraining() {
        Model model = transferModel();
        TrainingConfig config = new TrainingConfig(Loss.SOFTMAX_CROSS_ENTROPY, Optimizer.sgd(0.1f), 0f, Map.of(), 1);
        try (Network net = Networks.open(tf, new NetworkPlan(model, config, 4))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> net.trainStep(new float[2 * 12], new float[] {1, 7}, 2));
            assertTrue(e.getMessage().contains("row 1") && e.getMessage().contains("7"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> net.trainStep(new float[5 * 12], new float[5], 5));
        }
        try (Network net = Networks.open(tf, NetworkPlan.inference(model, 4))) {
            assertThrows(IllegalStateException.class, () -> net.trainStep(new float[12], new float[1], 1));
        }
    }
}
