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
                // plain SGD: each layer's input gradient first, then its update fused into the weight-gradient GEMM
                new Gemm(false, true, 4, 6, 3),   // gradient into hidden3's output
                new Gemm(true, false, 6, 3, 4),   // output weight update
                new Gemm(true, false, 8, 6, 4));  // hidden3 weight update; nothing below it
        assertEquals(expected, calls);
    }

    /**
     * Two branches from a shared trunk, joined by a concatenate: with the trunk frozen no branch computes an
     * input gradient; with it trainable both do, and the fan-out sums them (one elementwise add).
     */
    @Test
    void onAGraphGradientsStopWhereNothingBelowTrains() {
        Model branches = dev.graft.conformance.GraphModels.branches(1, 2);
        int r = 4;
        List<Object> frozenTrunk = graphCalls(Transfer.from(branches).freeze("trunk").build(), r);
        List<Object> forward = List.of(new Gemm(false, false, r, 6, 5), new Gemm(false, false, r, 4, 6),
                new Gemm(false, false, r, 3, 6), new Gemm(false, false, r, 7, 4), new Gemm(false, false, r, 7, 3),
                new Gemm(false, false, r, 2, 7));
        List<Object> expected = new ArrayList<>(forward);
        expected.addAll(List.of(new Gemm(false, true, r, 7, 2), new Gemm(true, false, 7, 2, r),  // out: into join, weights
                new Gemm(false, true, r, 4, 7), new Gemm(false, true, r, 3, 7),                    // join: into left, right
                new Gemm(true, false, 6, 3, r), new Gemm(true, false, 6, 4, r)));                  // right, left: weights only
        assertEquals(expected, frozenTrunk);

        List<Object> trainable = graphCalls(branches, r);
        expected = new ArrayList<>(forward);
        expected.addAll(List.of(new Gemm(false, true, r, 7, 2), new Gemm(true, false, 7, 2, r),
                new Gemm(false, true, r, 4, 7), new Gemm(false, true, r, 3, 7),
                new Gemm(false, true, r, 6, 3), new Gemm(true, false, 6, 3, r),                   // right: into trunk, weights
                new Gemm(false, true, r, 6, 4), new Gemm(true, false, 6, 4, r), "add " + r * 6,   // left: its share added in
                new Gemm(true, false, 5, 6, r)));                                                  // trunk: weights, nothing below
        assertEquals(expected, trainable);
    }

    /** The GEMMs (and elementwise adds: one-row column sums) of one training step. */
    private static List<Object> graphCalls(Model model, int rows) {
        List<Object> calls = new ArrayList<>();
        ReferenceBackend reference = new ReferenceBackend();
        Backend counting = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("gemm")) {
                        calls.add(new Gemm((boolean) args[0], (boolean) args[1], (int) args[2], (int) args[3], (int) args[4]));
                    } else if (method.getName().equals("columnSums") && (int) args[1] == 1) {
                        calls.add("add " + args[2]);
                    }
                    return method.invoke(reference, args);
                });
        TrainingConfig config = new TrainingConfig(Loss.SOFTMAX_CROSS_ENTROPY, Optimizer.sgd(0.1f), 0, Map.of(), 1);
        try (Network net = Networks.open(counting, new NetworkPlan(model, config, rows))) {
            calls.clear();
            net.trainStep(new float[rows * model.inputWidth()], new float[] {0, 1, 1, 0}, rows);
        }
        return calls;
    }
}
