package dev.graft.exec;

import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.spi.DropoutMask;
import dev.graft.train.Loss;
import dev.graft.train.TrainingConfig;

/**
 * The execution rules of a {@link NetworkPlan}, decided once when a network is placed and shared
 * by every executor ({@link KernelNetwork}, the TF backend's compiled graphs) and by evaluation:
 * which layers are differentiated, which get an input gradient, which parameters are updated and
 * at what learning rate, whether the top softmax is fused into the loss, and each layer's dropout
 * seed at each step.
 */
public final class ExecutionPlan {

    private final NetworkPlan plan;
    private final TrainingConfig training;
    private final int firstTrainable;
    private final boolean fusesSoftmax;
    private final float[] learningRates;
    private final String[] names;
    /** Per layer: it or a layer feeding it (directly or not) has a trainable parameter, so training back-propagates through it. */
    private final boolean[] differentiated;

    public ExecutionPlan(NetworkPlan plan) {
        this.plan = plan;
        this.training = plan.training();
        Model model = plan.model();
        int first = model.size();
        if (training != null) {
            for (int i = 0; i < model.size(); i++) {
                if (model.layer(i).hasTrainableParameters()) {
                    first = i;
                    break;
                }
            }
        }
        this.firstTrainable = first;
        this.differentiated = new boolean[model.size()];
        for (int i = first; i < model.size(); i++) {
            boolean d = model.layer(i).hasTrainableParameters();
            for (int from : model.inputIndices(i)) {
                d |= differentiated[from];
            }
            differentiated[i] = d;
        }
        this.fusesSoftmax = training != null && fusesSoftmax(model, training.loss());
        this.learningRates = new float[model.size()];
        this.names = new String[model.size()];
        for (int i = 0; i < model.size(); i++) {
            Layer layer = model.layer(i);
            names[i] = layer.name();
            learningRates[i] = training == null ? 0f : learningRate(i, training.optimizer().learningRate());
        }
    }

    /**
     * Whether a softmax cross-entropy loss absorbs the model's top softmax while training: the top
     * layer then outputs logits and the fused loss computes {@code softmax − onehot} stably.
     */
    public static boolean fusesSoftmax(Model model, Loss loss) {
        return loss == Loss.SOFTMAX_CROSS_ENTROPY && outputsProbabilities(model);
    }

    /** Whether the model's outputs are softmax probabilities (else logits or regression values). */
    public static boolean outputsProbabilities(Model model) {
        return model.layer(model.size() - 1).endsInSoftmax();
    }

    public NetworkPlan plan() {
        return plan;
    }

    public boolean trains() {
        return training != null;
    }

    /** Index of the lowest layer with a trainable parameter; the model size when none (or inference only). */
    public int firstTrainable() {
        return firstTrainable;
    }

    /**
     * Whether layer {@code i} is back-propagated through in a training step: it, or a layer feeding it
     * directly or not, has a trainable parameter (on a chain: {@code i >= firstTrainable()}).
     */
    public boolean differentiated(int i) {
        return differentiated[i];
    }

    /**
     * Whether layer {@code i} computes the gradient with respect to some input (a layer feeding it is
     * differentiated; on a chain: {@code i > firstTrainable()}).
     */
    public boolean passesGradientDown(int i) {
        for (int from : plan.model().inputIndices(i)) {
            if (differentiated[from]) {
                return true;
            }
        }
        return false;
    }

    /** Whether layer {@code i} computes the gradient with respect to its input {@code k} (the layer feeding it there is differentiated). */
    public boolean wantsInputGradient(int i, int k) {
        return differentiated[plan.model().inputIndices(i).get(k)];
    }

    /** Whether layer {@code i}'s trainable parameters get gradients. */
    public boolean hasGradients(int i) {
        return training != null && differentiated(i) && plan.model().layer(i).hasTrainableParameters();
    }

    /** The learning rate of layer {@code i}'s parameters; 0 means they are not updated (frozen, or multiplier 0). */
    public float learningRate(int i) {
        return learningRates[i];
    }

    /** Layer {@code i}'s rate for a base rate of {@code base}: {@code base} times its multiplier, 0 when it has no trainable parameters. */
    public float learningRate(int i, float base) {
        Layer layer = plan.model().layer(i);
        return training == null || !layer.hasTrainableParameters() ? 0f : base * training.multiplier(layer.name());
    }

    /** Whether layer {@code i}'s parameters are updated by the optimizer. */
    public boolean updates(int i) {
        return learningRates[i] != 0f;
    }

    /** Whether the top softmax is fused into the loss in training steps. */
    public boolean fusesSoftmax() {
        return fusesSoftmax;
    }

    /** Whether layer {@code i} runs in training mode during a training step (frozen layers run in inference mode). */
    public boolean trainingMode(int i) {
        return training != null && plan.model().layer(i).trainable();
    }

    /** Whether layer {@code i} outputs logits in a training step. */
    public boolean outputsLogits(int i) {
        return fusesSoftmax && i == plan.model().size() - 1;
    }

    /**
     * The random-mask seed of layer {@code i} at training step {@code step}: {@link DropoutMask#seed},
     * by layer name, so training on cached features draws the same masks as the whole model.
     */
    public long seed(int i, long step) {
        return training == null ? 0L : DropoutMask.seed(training.seed(), step, names[i]);
    }
}
