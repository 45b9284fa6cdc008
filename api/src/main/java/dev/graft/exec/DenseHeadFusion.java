package dev.graft.exec;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.spi.Backend;
import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.FusedDenseHead;
import dev.graft.train.Loss;
import dev.graft.train.Optimizer;
import dev.graft.train.TrainingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Offers the top of a training network to the backend's {@link FusedDenseHead}, if it has one: the
 * longest chain of {@link Dense} layers at the top that all get gradients, under a softmax
 * cross-entropy loss and an SGD or Adam optimizer. The only place in {@code exec} that knows a layer
 * type; {@link KernelNetwork} just runs what this returns.
 */
final class DenseHeadFusion {

    /** A fused head standing in for layers {@code start..top} in training steps. */
    record Fused(int start, FusedDenseHead.Head head) {
    }

    private DenseHeadFusion() {
    }

    /**
     * The fused head for {@code rules}' network on {@code backend}, or empty (no capability, nothing to
     * fuse, or the backend's rule declined). {@code parameter} gives layer {@code i}'s buffer by name.
     */
    static Optional<Fused> fuse(Backend backend, ExecutionPlan rules, BiFunction<Integer, String, DeviceBuffer> parameter) {
        TrainingConfig training = rules.plan().training();
        if (training == null || training.loss() != Loss.SOFTMAX_CROSS_ENTROPY) {
            return Optional.empty();
        }
        Optional<FusedDenseHead> capability = backend.capability(FusedDenseHead.class);
        if (capability.isEmpty()) {
            return Optional.empty();
        }
        int start = chainStart(rules);
        Model model = rules.plan().model();
        if (start >= model.size()) {
            return Optional.empty();
        }
        List<FusedDenseHead.DenseLayer> layers = new ArrayList<>();
        for (int i = start; i < model.size(); i++) {
            Dense d = (Dense) model.layer(i);
            Activation act = i == model.size() - 1 ? Activation.IDENTITY : d.activation();
            layers.add(new FusedDenseHead.DenseLayer(d.name(), d.inputWidth(), d.outputWidth(), act,
                    parameter.apply(i, "kernel"), parameter.apply(i, "bias"), rules.learningRate(i), training.l2()));
        }
        FusedDenseHead.UpdateRule rule = training.optimizer() instanceof Optimizer.Adam a
                ? FusedDenseHead.UpdateRule.adam(a.beta1(), a.beta2(), a.epsilon())
                : FusedDenseHead.UpdateRule.sgd(((Optimizer.Sgd) training.optimizer()).momentum(),
                        ((Optimizer.Sgd) training.optimizer()).nesterov());
        return capability.get().fuseHead(layers, rule, rules.plan().maxBatch(), rules.passesGradientDown(start))
                .map(head -> new Fused(start, head));
    }

    /**
     * Whether layer {@code i}'s output is exactly the next layer's one input (on a graph, the fused
     * layers must form a chain whose lowest input gradient has one destination); true below the first layer.
     */
    private static boolean feedsOnlyTheNext(Model model, int i) {
        return i < 0 || (model.consumerIndices(i).equals(List.of(i + 1)) && model.inputIndices(i + 1).equals(List.of(i)));
    }

    /** The lowest layer of the top chain of differentiated dense layers; the model size when there is none. */
    static int chainStart(ExecutionPlan rules) {
        Model model = rules.plan().model();
        int top = model.size() - 1;
        if (!(model.layer(top) instanceof Dense d) || !rules.hasGradients(top)
                || !(d.activation().kind() == Activation.Kind.IDENTITY || rules.outputsLogits(top))) {
            return model.size();
        }
        if (!feedsOnlyTheNext(model, top - 1)) {
            return model.size();
        }
        int start = top;
        while (start > 0 && model.layer(start - 1) instanceof Dense below && rules.hasGradients(start - 1)
                && below.activation().kind() != Activation.Kind.SOFTMAX && feedsOnlyTheNext(model, start - 2)) {
            start--;
        }
        return start;
    }
}
