package dev.graft.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.graft.Activation;
import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.reference.ReferenceBackend;
import dev.graft.spi.Backend;
import dev.graft.train.Loss;
import dev.graft.train.Optimizer;
import dev.graft.train.TrainingConfig;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Counts the GEMMs of one training step: frozen layers get no gradient, the lowest trainable one no input-gradient. */
class PartialBackpropTest {

    record Gemm(boolean transA, boolean transB, int m, int n, int k) {
    }

    @Test
    void noGradientBelowTheLowestTrainableLayer() {
        Model model = Model.builder(12, 1)
                .dense("hidden1", 10, Activation.RELU)
                .dense("hidden2", 8, Activation.RELU)
                .dense("hidden3", 6, Activation.RELU)
                .dense("output", 3, Activation.IDENTITY)
                .build();
        Model frozen = Transfer.from(model).freezeThrough("hidden2").build();
        List<Gemm> calls = new ArrayList<>();
        ReferenceBackend reference = new ReferenceBackend();
        Backend counting = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("gemm")) {
                        calls.add(new Gemm((boolean) args[0], (boolean) args[1], (int) args[2], (int) args[3], (int) args[4]));
                    }
                    return method.invoke(reference, args);
                });
        TrainingConfig config = new TrainingConfig(Loss.SOFTMAX_CROSS_ENTROPY, Optimizer.sgd(0.1f), 0, Map.of(), 1);
        try (Network net = Networks.open(counting, new NetworkPlan(frozen, config, 4))) {
            calls.clear();
            net.trainStep(new float[4 * 12], new float[] {0, 1, 2, 0}, 4);
        }
        List<Gemm> expected = List.of(
                new Gemm(false, false, 4, 10, 12), new Gemm(false, false, 4, 8, 10),
                new Gemm(false, false, 4, 6, 8), new Gemm(false, false, 4, 3, 6),
                new Gemm(true, false, 6, 3, 4),   // output weight gradient
                new Gemm(false, true, 4, 6, 3),   // gradient into hidden3's output
                new Gemm(true, false, 8, 6, 4));  // hidden3 weight gradient; nothing below it
        assertEquals(expected, calls);
    }
}
