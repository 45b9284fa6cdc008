package dev.graft.conformance;

import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import dev.graft.spi.Backend;
import dev.graft.train.Loss;
import dev.graft.train.Optimizer;
import dev.graft.train.TrainingConfig;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The gradient check of the conformance suite: one SGD step at learning rate 1 moves each
 * parameter by minus its gradient, which is compared with central differences of a loss computed
 * independently on the host.
 */
final class GradientCheck {

    private GradientCheck() {
    }

    /** A parameter's gradient as the backend's step applied it, beside its central differences. */
    record Gradient(float[] fromStep, float[] fromDifferences) {
    }

    /** {@code model} after one softmax cross-entropy SGD step at learning rate 1 on {@code on}. */
    static Model afterOneStep(Backend on, Model model, float[] x, float[] labels, int rows) {
        TrainingConfig config = new TrainingConfig(Loss.SOFTMAX_CROSS_ENTROPY, Optimizer.sgd(1f), 0f, Map.of(), 1);
        try (Network net = Networks.open(on, new NetworkPlan(model, config, rows))) {
            net.trainStep(x, labels, rows);
            return net.snapshot();
        }
    }

    /**
     * The gradient of {@code parameter} of layer {@code layer} from the step ({@code before − after})
     * and from central differences of {@code hostLoss} with the given step size.
     */
    static Gradient of(Model before, Model after, int layer, String parameter, double step, ToDoubleFunction<Model> hostLoss) {
        float[] v = before.layer(layer).parameterValues(parameter);
        float[] moved = after.layer(layer).parameterValues(parameter);
        float[] gradient = new float[v.length];
        float[] fd = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            gradient[i] = v[i] - moved[i];
            fd[i] = (float) centralDifference(before, layer, parameter, i, step, hostLoss);
        }
        return new Gradient(gradient, fd);
    }

    private static double centralDifference(Model model, int layer, String parameter, int index, double step,
                                            ToDoubleFunction<Model> hostLoss) {
        Layer l = model.layer(layer);
        float[] v = l.parameterValues(parameter);
        float up = (float) (v[index] + step);
        float down = (float) (v[index] - step);
        v[index] = up;
        double lossUp = hostLoss.applyAsDouble(model.with(layer, l.withParameters(Map.of(parameter, v))));
        v[index] = down;
        double lossDown = hostLoss.applyAsDouble(model.with(layer, l.withParameters(Map.of(parameter, v))));
        return (lossUp - lossDown) / ((double) up - down);
    }
}
