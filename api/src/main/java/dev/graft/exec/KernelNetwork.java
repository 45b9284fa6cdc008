package dev.graft.exec;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Dropout;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.spi.Backend;
import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.DropoutMask;
import dev.graft.spi.Network;
import dev.graft.spi.NetworkPlan;
import dev.graft.spi.StepStats;
import dev.graft.train.Loss;
import dev.graft.train.Optimizer;
import dev.graft.train.TrainingConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The portable {@link Network}: forward and backward passes composed from a backend's kernels.
 * Every buffer is allocated once, for the plan's largest batch, and freed by {@link #close()}.
 */
public final class KernelNetwork implements Network {

    private final Backend backend;
    private final NetworkPlan plan;
    private final TrainingConfig training;
    private final List<Stage> stages = new ArrayList<>();
    private final List<DeviceBuffer> owned = new ArrayList<>();
    private final DeviceBuffer input;
    private final DeviceBuffer targets;
    private final DeviceBuffer topGrad;
    /** Host copy of a training batch's logits for the accuracy count; reused so a step allocates nothing. */
    private final float[] logits;
    /** Index of the lowest layer with trainable parameters; nothing below it is differentiated. */
    private final int firstTrainable;
    /** Whether the top layer's softmax is folded into the cross-entropy while training. */
    private final boolean fusedSoftmax;
    private long step;

    public KernelNetwork(Backend backend, NetworkPlan plan) {
        this.backend = backend;
        this.plan = plan;
        this.training = plan.training();
        Model model = plan.model();
        int batch = plan.maxBatch();
        int first = model.size();
        for (int i = 0; i < model.size(); i++) {
            if (model.layer(i) instanceof Dense d && d.trainable()) {
                first = i;
                break;
            }
        }
        this.firstTrainable = training == null ? model.size() : first;
        Layer top = model.layer(model.size() - 1);
        this.fusedSoftmax = training != null && training.loss() == Loss.SOFTMAX_CROSS_ENTROPY
                && top instanceof Dense d && d.activation().kind() == Activation.Kind.SOFTMAX;
        try {
            this.input = own(backend.allocate((long) batch * model.inputWidth()));
            for (int i = 0; i < model.size(); i++) {
                stages.add(new Stage(model.layer(i), i >= firstTrainable, i > firstTrainable, batch));
            }
            this.targets = training == null ? null : own(backend.allocate(
                    training.loss().usesClassLabels() ? batch : (long) batch * model.outputWidth()));
            this.topGrad = training == null ? null : own(backend.allocate((long) batch * model.outputWidth()));
            this.logits = training == null ? null : new float[batch * model.outputWidth()];
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public NetworkPlan plan() {
        return plan;
    }

    @Override
    public void predict(float[] in, int inputOffset, int rows, float[] out, int outputOffset) {
        checkRows(rows);
        backend.upload(in, inputOffset, input, 0, rows * plan.model().inputWidth());
        DeviceBuffer y = forward(rows, false);
        backend.download(y, 0, out, outputOffset, rows * plan.model().outputWidth());
    }

    @Override
    public StepStats trainStep(float[] in, float[] labels, int rows) {
        if (training == null) {
            throw new IllegalStateException("this network was placed for inference only");
        }
        checkRows(rows);
        Model model = plan.model();
        int classes = model.outputWidth();
        backend.upload(in, 0, input, 0, rows * model.inputWidth());
        boolean classification = training.loss().usesClassLabels();
        backend.upload(labels, 0, targets, 0, classification ? rows : rows * classes);
        step++;
        DeviceBuffer y = forward(rows, true);
        float scale = 1f / rows;
        double loss;
        int correct = 0;
        if (classification) {
            backend.download(y, 0, logits, 0, rows * classes);
            correct = Metrics.countCorrect(logits, labels, rows, classes);
            loss = backend.softmaxCrossEntropy(y, targets, rows, classes, scale, topGrad);
        } else {
            loss = backend.meanSquaredError(y, targets, rows, classes, scale, topGrad);
        }
        backward(rows);
        update();
        return new StepStats(loss, correct);
    }

    private DeviceBuffer forward(int rows, boolean train) {
        DeviceBuffer x = input;
        for (int i = 0; i < stages.size(); i++) {
            Stage s = stages.get(i);
            if (s.dense != null) {
                Activation act = (train && fusedSoftmax && i == stages.size() - 1) ? Activation.IDENTITY : s.dense.activation();
                backend.gemm(false, false, rows, s.dense.outputWidth(), s.dense.inputWidth(), 1f, x, s.weights, 0f, s.output);
                backend.biasActivation(s.output, s.bias, rows, s.dense.outputWidth(), act);
                s.activationUsed = act;
            } else if (train && s.dropoutActive()) {
                long n = (long) rows * s.layer.outputWidth();
                backend.copy(x, 0, s.output, 0, n);
                backend.dropout(s.output, s.mask, n, s.dropout.rate(), DropoutMask.seed(training.seed(), step, s.layer.name()));
                s.maskApplied = true;
            } else {
                long n = (long) rows * s.layer.outputWidth();
                backend.copy(x, 0, s.output, 0, n);
                s.maskApplied = false;
            }
            s.input = x;
            x = s.output;
        }
        return x;
    }

    private void backward(int rows) {
        DeviceBuffer g = topGrad;
        for (int i = stages.size() - 1; i >= firstTrainable; i--) {
            Stage s = stages.get(i);
            boolean needInputGrad = i > firstTrainable;
            if (s.dense != null) {
                int in = s.dense.inputWidth();
                int out = s.dense.outputWidth();
                if (s.activationUsed.kind() != Activation.Kind.IDENTITY) {
                    backend.activationBackward(s.output, g, rows, out, s.activationUsed);
                }
                if (s.dense.trainable()) {
                    backend.gemm(true, false, in, out, rows, 1f, s.input, g, 0f, s.weightGrad);
                    backend.columnSums(g, rows, out, 1f, s.biasGrad, 0f);
                }
                if (needInputGrad) {
                    backend.gemm(false, true, rows, in, out, 1f, g, s.weights, 0f, s.inputGrad);
                }
            } else if (needInputGrad) {
                long n = (long) rows * s.layer.outputWidth();
                backend.copy(g, 0, s.inputGrad, 0, n);
                if (s.maskApplied) {
                    backend.multiply(s.inputGrad, s.mask, n);
                }
            }
            g = s.inputGrad;
        }
    }

    private void update() {
        Optimizer opt = training.optimizer();
        for (Stage s : stages) {
            if (s.dense == null || !s.dense.trainable()) {
                continue;
            }
            float lr = opt.learningRate() * training.multiplier(s.dense.name());
            if (lr == 0f) {
                continue;
            }
            long nw = s.weights.length();
            long nb = s.bias.length();
            if (opt instanceof Optimizer.Sgd sgd) {
                backend.sgdUpdate(s.weights, s.weightGrad, s.weightSlot1, nw, lr, sgd.momentum(), sgd.nesterov(), training.l2());
                backend.sgdUpdate(s.bias, s.biasGrad, s.biasSlot1, nb, lr, sgd.momentum(), sgd.nesterov(), 0f);
            } else if (opt instanceof Optimizer.Adam adam) {
                backend.adamUpdate(s.weights, s.weightGrad, s.weightSlot1, s.weightSlot2, nw, lr,
                        adam.beta1(), adam.beta2(), adam.epsilon(), step, training.l2());
                backend.adamUpdate(s.bias, s.biasGrad, s.biasSlot1, s.biasSlot2, nb, lr,
                        adam.beta1(), adam.beta2(), adam.epsilon(), step, 0f);
            }
        }
    }

    @Override
    public Model snapshot() {
        List<Layer> layers = new ArrayList<>();
        for (Stage s : stages) {
            if (s.dense != null && s.dense.trainable() && training != null) {
                float[] w = new float[(int) s.weights.length()];
                float[] b = new float[(int) s.bias.length()];
                backend.download(s.weights, 0, w, 0, w.length);
                backend.download(s.bias, 0, b, 0, b.length);
                layers.add(s.dense.withParameters(w, b));
            } else {
                layers.add(s.layer);
            }
        }
        return new Model(layers);
    }

    @Override
    public void close() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
        owned.clear();
    }

    private void checkRows(int rows) {
        if (rows <= 0 || rows > plan.maxBatch()) {
            throw new IllegalArgumentException("batch of " + rows + " rows; this network was placed for 1.." + plan.maxBatch());
        }
    }

    private DeviceBuffer own(DeviceBuffer buffer) {
        owned.add(buffer);
        return buffer;
    }

    /** One layer's device state. */
    private final class Stage {
        final Layer layer;
        final Dense dense;
        final Dropout dropout;
        final DeviceBuffer output;
        DeviceBuffer weights, bias, weightGrad, biasGrad, weightSlot1, weightSlot2, biasSlot1, biasSlot2;
        DeviceBuffer inputGrad, mask;
        DeviceBuffer input;
        Activation activationUsed = Activation.IDENTITY;
        boolean maskApplied;

        Stage(Layer layer, boolean differentiated, boolean passesGradientDown, int batch) {
            this.layer = layer;
            this.dense = layer instanceof Dense d ? d : null;
            this.dropout = layer instanceof Dropout d ? d : null;
            this.output = own(backend.allocate((long) batch * layer.outputWidth()));
            if (passesGradientDown) {
                inputGrad = own(backend.allocate((long) batch * layer.inputWidth()));
            }
            if (dense != null) {
                weights = own(backend.allocate((long) dense.inputWidth() * dense.outputWidth()));
                bias = own(backend.allocate(dense.outputWidth()));
                float[] w = dense.weights();
                backend.upload(w, 0, weights, 0, w.length);
                float[] b = dense.bias();
                backend.upload(b, 0, bias, 0, b.length);
                if (differentiated && dense.trainable()) {
                    weightGrad = own(backend.allocate(weights.length()));
                    biasGrad = own(backend.allocate(bias.length()));
                    Optimizer opt = training.optimizer();
                    boolean slot1 = opt instanceof Optimizer.Adam || (opt instanceof Optimizer.Sgd s && s.momentum() > 0);
                    if (slot1) {
                        weightSlot1 = own(backend.allocate(weights.length()));
                        biasSlot1 = own(backend.allocate(bias.length()));
                    }
                    if (opt instanceof Optimizer.Adam) {
                        weightSlot2 = own(backend.allocate(weights.length()));
                        biasSlot2 = own(backend.allocate(bias.length()));
                    }
                }
            }
            if (dropout != null && dropoutActive()) {
                mask = own(backend.allocate((long) batch * dropout.width()));
            }
        }

        boolean dropoutActive() {
            return dropout != null && dropout.trainable() && dropout.rate() > 0f && training != null;
        }
    }
}
