package dev.graft.conformance;

import static dev.graft.conformance.Conformance.random;

import dev.graft.Activation;
import dev.graft.ActivationLayer;
import dev.graft.Conv2D;
import dev.graft.Dense;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.Shape;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import dev.graft.train.Loss;
import dev.graft.train.Optimizer;
import dev.graft.train.TrainingConfig;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every activation kind fused into {@link Dense} and {@link Conv2D} trains exactly as the same layer
 * without an activation followed by an {@link ActivationLayer}: the fused path's backward (which,
 * for swish and hard swish, needs the kept pre-activation) against the separate one. The fused
 * dense path is itself checked against finite differences in {@link TrainingConformance}.
 */
public abstract class ActivationConformance extends NormalizationConformance {

    @ParameterizedTest(name = "fused {0} = separate activation layer")
    @ValueSource(strings = {"relu6", "swish", "hard_swish", "hard_sigmoid", "selu", "elu", "sigmoid"})
    void fusedActivationTrainsLikeASeparateLayer(String name) {
        Activation act = Activation.parse(name);
        SplittableRandom r = new SplittableRandom(name.length() * 17L);
        Shape image = Shape.of(5, 7, 2);
        float[] kernel = random(r, 3 * 3 * 2 * 4, 0.6);
        float[] bias = random(r, 4, 0.5);
        Conv2D convFused = new Conv2D("conv", image, 4, dev.graft.ConvWindow.of(3), act, kernel, bias, true);
        Conv2D convPlain = new Conv2D("conv", image, 4, dev.graft.ConvWindow.of(3), Activation.IDENTITY, kernel, bias, true);
        Shape maps = convFused.outputShape();
        int width = maps.size();
        float[] w = random(r, width * 3, 0.3);
        float[] b = random(r, 3, 0.3);
        Model fused = new Model(List.of(convFused, new dev.graft.Flatten("flat", maps, true),
                new Dense("dense", width, 3, act, w, b)));
        Model separate = new Model(List.of(convPlain, new ActivationLayer("conv_act", maps, act, true),
                new dev.graft.Flatten("flat", maps, true), new Dense("dense", width, 3, Activation.IDENTITY, w, b),
                new ActivationLayer("dense_act", Shape.vector(3), act, true)));
        int rows = 4;
        float[] x = random(r, rows * image.size(), 2);
        float[] targets = random(r, rows * 3, 1);
        Model a = step(fused, x, targets, rows);
        Model s = step(separate, x, targets, rows);
        for (String layer : List.of("conv", "dense")) {
            Layer la = a.layer(layer);
            Layer ls = s.layer(layer);
            for (String p : List.of("kernel", "bias")) {
                Conformance.assertClose(name + " " + layer + "." + p + " after a step", ls.parameterValues(p),
                        la.parameterValues(p), 1e-6, 1e-5);
            }
        }
    }

    private Model step(Model model, float[] x, float[] targets, int rows) {
        TrainingConfig config = new TrainingConfig(Loss.MEAN_SQUARED_ERROR, Optimizer.sgd(0.5f), 0f, Map.of(), 1);
        try (Network net = Networks.open(backend, new NetworkPlan(model, config, rows))) {
            net.trainStep(x, targets, rows);
            return net.snapshot();
        }
    }
}
