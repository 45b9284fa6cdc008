package dev.graft.exec;

import dev.graft.InputLayer;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.Parameter;
import dev.graft.spi.Backend;
import dev.graft.spi.DeviceBuffer;
import dev.graft.train.Optimizer;
import dev.graft.train.TrainingConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The portable {@link Network}: a generic loop over the layers' {@link LayerOp}s and a generic loop
 * over (parameter, gradient, optimizer slots), composed from a backend's kernels. It knows no layer
 * type: each layer describes its parameters and computes its own passes. Every buffer is allocated
 * once, for the plan's largest batch, and freed by {@link #close()}; a training step allocates
 * nothing.
 *
 * <p>Graph models run the same way: one output buffer per layer, which the layers it feeds read
 * (merges through {@link MergeOp}); where an output feeds several layers, their gradients are summed
 * into its gradient buffer. A chain reads and writes exactly the buffers it did before graphs.
 */
public final class KernelNetwork implements Network {

    private final Backend backend;
    private final NetworkPlan plan;
    private final ExecutionPlan rules;
    private final TrainingConfig training;
    private final Stage[] stages;
    private final Update[] updates; // entries replaced by setLearningRate
    private final List<DeviceBuffer> owned = new ArrayList<>();
    private final Pass pass = new Pass();
    private final DeviceBuffer input;
    /** For a model with several inputs, fills each input layer from its columns of the flat rows; else null. */
    private final InputColumns inputColumns;
    private final DeviceBuffer targets;
    private final DeviceBuffer topGrad;
    /** Host copy of a training batch's logits for the accuracy count; reused so a step allocates nothing. */
    private final float[] logits;
    /** The backend's fused pass over the top dense layers in training steps, or null (see {@link DenseHeadFusion}). */
    private final DenseHeadFusion.Fused fused;
    /** Whether the fused head has trained since it last wrote its parameters into the layers' buffers. */
    private boolean headUnpublished;
    private long step;

    public KernelNetwork(Backend backend, NetworkPlan plan) {
        this.backend = backend;
        this.plan = plan;
        this.rules = new ExecutionPlan(plan);
        this.training = plan.training();
        Model model = plan.model();
        int batch = plan.maxBatch();
        this.stages = new Stage[model.size()];
        List<Update> updateList = new ArrayList<>();
        boolean severalInputs = model.inputShapes().size() > 1;
        try {
            this.input = severalInputs ? null : own(backend.allocate((long) batch * model.inputWidth()));
            this.topGrad = training == null ? null : own(backend.allocate((long) batch * model.outputWidth()));
            GraphBuffers edges = new GraphBuffers(rules, batch, length -> own(backend.allocate(length)));
            for (int i = 0; i < model.size(); i++) {
                stages[i] = new Stage(i, model.layer(i), batch, updateList, edges);
            }
            Stage[] inputs = java.util.Arrays.stream(stages).filter(s -> s.layer instanceof InputLayer).toArray(Stage[]::new);
            this.inputColumns = !severalInputs ? null : new InputColumns(backend,
                    java.util.Arrays.stream(inputs).map(s -> s.output).toArray(DeviceBuffer[]::new),
                    java.util.Arrays.stream(inputs).mapToInt(s -> s.layer.outputWidth()).toArray(), batch);
            this.targets = training == null ? null : own(backend.allocate(
                    training.loss().usesClassLabels() ? batch : (long) batch * model.outputWidth()));
            this.logits = training == null ? null : new float[batch * model.outputWidth()];
            this.fused = training == null ? null
                    : DenseHeadFusion.fuse(backend, rules, (i, name) -> stages[i].parameter(name)).orElse(null);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        int fusedFrom = fused == null ? stages.length : fused.start();
        this.updates = updateList.stream().filter(u -> u.layer < fusedFrom).toArray(Update[]::new);
    }

    @Override
    public NetworkPlan plan() {
        return plan;
    }

    /**
     * Index of the lowest layer that training steps run as the backend's fused dense head
     * ({@link dev.graft.spi.FusedDenseHead}); the model size when there is none.
     */
    public int fusedHeadStart() {
        return fused == null ? stages.length : fused.start();
    }

    /** The execution rules this network follows. */
    public ExecutionPlan rules() {
        return rules;
    }

    @Override
    public void predict(float[] in, int inputOffset, int rows, float[] out, int outputOffset) {
        checkRows(rows);
        publishHead();
        upload(in, inputOffset, rows);
        DeviceBuffer y = forward(stages.length, rows, false);
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
        upload(in, 0, rows);
        boolean classification = training.loss().usesClassLabels();
        backend.upload(labels, 0, targets, 0, classification ? rows : rows * classes);
        step++;
        float scale = 1f / rows;
        if (fused != null) {
            return fusedStep(labels, rows, scale);
        }
        DeviceBuffer y = forward(stages.length, rows, true);
        double loss;
        int correct = 0;
        if (classification) {
            backend.download(y, 0, logits, 0, rows * classes);
            correct = Metrics.countCorrect(logits, labels, rows, classes);
            loss = backend.softmaxCrossEntropy(y, targets, rows, classes, scale, topGrad);
        } else {
            loss = backend.meanSquaredError(y, targets, rows, classes, scale, topGrad);
        }
        backward(stages.length - 1, rows);
        update();
        return new StepStats(loss, correct);
    }

    /** Puts a batch of flat rows on the device: into the input buffer, or column by column into each input layer's output. */
    private void upload(float[] in, int offset, int rows) {
        if (inputColumns == null) {
            backend.upload(in, offset, input, 0, rows * plan.model().inputWidth());
        } else {
            inputColumns.upload(in, offset, rows);
        }
    }

    /** A training step whose top layers run as the backend's fused head (loss, backward and update included). */
    private StepStats fusedStep(float[] labels, int rows, float scale) {
        int start = fused.start();
        forward(start, rows, true);
        DeviceBuffer x = stages[start].inputs[0];
        Stage top = stages[stages.length - 1];
        DeviceBuffer g = stages[start].inputGrads[0];
        double loss = fused.head().trainStep(x, targets, rows, scale, step, top.output, g);
        headUnpublished = true;
        int classes = plan.model().outputWidth();
        backend.download(top.output, 0, logits, 0, rows * classes);
        int correct = Metrics.countCorrect(logits, labels, rows, classes);
        if (g != null) {
            backward(start - 1, rows);
        }
        update();
        return new StepStats(loss, correct);
    }

    private void publishHead() {
        if (headUnpublished) {
            fused.head().publish();
            headUnpublished = false;
        }
    }

    /** Runs the first {@code end} layers; returns the last one's output (the input when {@code end} is 0). */
    private DeviceBuffer forward(int end, int rows, boolean train) {
        DeviceBuffer x = input;
        for (int i = 0; i < end; i++) {
            Stage s = stages[i];
            if (s.merge != null) {
                pass.set(train && s.trainingMode, train && s.logits, train ? rules.seed(s.index, step) : 0L);
                s.merge.forward(s.inputs, s.output, rows, pass);
            } else if (s.op != null) {
                pass.set(train && s.trainingMode, train && s.logits, train ? rules.seed(s.index, step) : 0L);
                s.op.forward(s.inputs[0], s.output, rows, pass);
            }
            x = s.output;
        }
        return x;
    }

    /**
     * Back-propagates from layer {@code from}, whose output gradient is in place (the loss's, or the
     * sum its consumers wrote), through every differentiated layer down to the lowest trainable one.
     */
    private void backward(int from, int rows) {
        for (int i = from; i >= rules.firstTrainable(); i--) {
            Stage s = stages[i];
            if (!rules.differentiated(i)) {
                continue;
            }
            if (s.merge != null) {
                s.merge.backward(s.inputs, s.output, s.outputGrad, s.inputGrads, rows);
            } else {
                s.op.backward(s.inputs[0], s.output, s.outputGrad, s.inputGrads[0], rows);
            }
            for (int k = 0; k < s.sumInto.length; k++) {
                if (s.sumInto[k] != null) {
                    backend.columnSums(s.inputGrads[k], 1, rows * s.inputWidths[k], 1f, s.sumInto[k], 1f);
                }
            }
        }
    }

    /** Whether layer {@code i}'s update can be left to its op: plain SGD, no momentum, no L2, a rate above 0. */
    private boolean foldsSgd(int i) {
        return training != null && training.optimizer() instanceof Optimizer.Sgd sgd && sgd.momentum() == 0f
                && training.l2() == 0f && rules.updates(i);
    }

    /** In place for the layer-by-layer path; false with a fused head, whose rates were fixed when it was built. */
    @Override
    public boolean setLearningRate(float rate) {
        if (training == null) {
            throw new IllegalStateException("this network was placed for inference; it has no learning rate");
        }
        if (fused != null) {
            return false;
        }
        for (int i = 0; i < updates.length; i++) {
            Update u = updates[i];
            updates[i] = new Update(u.layer, u.param, u.grad, u.slot1, u.slot2, u.length, rules.learningRate(u.layer, rate), u.l2);
        }
        for (Stage s : stages) {
            if (!Float.isNaN(s.foldRate)) {
                s.foldRate = rules.learningRate(s.index, rate);
            }
        }
        return true;
    }

    private void update() {
        Optimizer opt = training.optimizer();
        if (opt instanceof Optimizer.Sgd sgd) {
            for (Update u : updates) {
                backend.sgdUpdate(u.param, u.grad, u.slot1, u.length, u.learningRate, sgd.momentum(), sgd.nesterov(), u.l2);
            }
        } else if (opt instanceof Optimizer.Adam adam) {
            for (Update u : updates) {
                backend.adamUpdate(u.param, u.grad, u.slot1, u.slot2, u.length, u.learningRate,
                        adam.beta1(), adam.beta2(), adam.epsilon(), step, u.l2);
            }
        } else {
            throw new IllegalStateException("unsupported optimizer " + opt);
        }
    }

    @Override
    public Model snapshot() {
        publishHead();
        List<Layer> layers = new ArrayList<>();
        for (Stage s : stages) {
            if (training != null && s.layer.trainable() && !s.parameters.isEmpty()) {
                Map<String, float[]> values = new LinkedHashMap<>();
                s.parameters.forEach((name, buffer) -> {
                    float[] v = new float[(int) buffer.length()];
                    backend.download(buffer, 0, v, 0, v.length);
                    values.put(name, v);
                });
                layers.add(s.layer.withParameters(values));
            } else {
                layers.add(s.layer);
            }
        }
        return plan.model().withLayers(layers);
    }

    @Override
    public void close() {
        if (fused != null) {
            fused.head().close();
        }
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

    /** One optimizer update: a parameter, its gradient and its slots. */
    private record Update(int layer, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer slot1, DeviceBuffer slot2, long length,
                          float learningRate, float l2) {
    }

    /** One layer's device state and op. */
    private final class Stage implements OpContext {
        final int index;
        final Layer layer;
        final boolean trainingMode;
        final boolean logits;
        final DeviceBuffer output;
        /** The gradient of the output: the loss's for the top layer, else the buffer the consumers write or sum into. */
        final DeviceBuffer outputGrad;
        /** The buffers of this layer's inputs, in input order (fixed once placed). */
        final DeviceBuffer[] inputs;
        /** Where the gradient of each input goes (null: not wanted). */
        final DeviceBuffer[] inputGrads;
        /** For an input whose gradient is a share of a sum: the source's gradient buffer to add it into after the backward pass. */
        final DeviceBuffer[] sumInto;
        final int[] inputWidths;
        final Map<String, DeviceBuffer> parameters = new LinkedHashMap<>();
        final Map<String, DeviceBuffer> gradients = new HashMap<>();
        final LayerOp op;
        final MergeOp merge;
        /** The rate at which the op applies plain SGD itself ({@link LayerOp#appliesSgdItself}), else NaN. */
        float foldRate = Float.NaN;

        Stage(int index, Layer layer, int batch, List<Update> updates, GraphBuffers edges) {
            this.index = index;
            this.layer = layer;
            this.trainingMode = rules.trainingMode(index);
            this.logits = rules.outputsLogits(index);
            List<Integer> from = plan.model().inputIndices(index);
            boolean isInput = layer instanceof InputLayer;
            int n = Math.max(1, from.size());
            this.inputs = new DeviceBuffer[n];
            this.inputGrads = new DeviceBuffer[n];
            this.sumInto = new DeviceBuffer[n];
            this.inputWidths = new int[n];
            for (int k = 0; k < from.size(); k++) {
                Stage source = stages[from.get(k)];
                inputs[k] = source.output;
                inputWidths[k] = source.layer.outputWidth();
                if (training != null && rules.wantsInputGradient(index, k)) {
                    GraphBuffers.Edge edge = edges.edge(from.get(k), source.outputGrad, index, k);
                    inputGrads[k] = edge.buffer();
                    sumInto[k] = edge.sumInto();
                }
            }
            if (from.isEmpty()) {
                inputs[0] = input;
                inputWidths[0] = layer.inputWidth();
            }
            // A single input layer's values are the uploaded rows themselves; several are filled column by column.
            boolean aliasInput = isInput && input != null;
            this.output = aliasInput ? input : own(backend.allocate((long) batch * layer.outputWidth()));
            this.outputGrad = training == null || !rules.differentiated(index) ? null
                    : index == plan.model().size() - 1 ? topGrad : edges.gradientOf(index, layer.outputWidth());
            for (Parameter p : layer.parameters()) {
                DeviceBuffer value = own(backend.allocate(p.size()));
                backend.upload(layer.parameterView(p.name()), value, 0);
                parameters.put(p.name(), value);
                if (rules.hasGradients(index) && p.role().trainable()) {
                    DeviceBuffer grad = own(backend.allocate(p.size()));
                    gradients.put(p.name(), grad);
                    if (rules.updates(index)) {
                        updates.add(slots(p, value, grad));
                    }
                }
            }
            if (isInput) {
                this.op = null;
                this.merge = null;
                return;
            }
            try {
                this.op = layer.op(this);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("layer '" + layer.name() + "' (" + layer.description().type()
                        + ") cannot run on backend '" + backend.name() + "': " + e.getMessage(), e);
            }
            this.merge = op instanceof MergeOp m ? m : null;
            if (merge == null && from.size() > 1) {
                throw new IllegalArgumentException("layer '" + layer.name() + "' (" + layer.description().type()
                        + ") has " + from.size() + " inputs but its op is not a MergeOp");
            }
            if (op.appliesSgdItself() && foldsSgd(index)) {
                foldRate = rules.learningRate(index);
                updates.removeIf(u -> u.layer == index);
            }
        }

        @Override public float foldedSgdRate() { return foldRate; }

        private Update slots(Parameter p, DeviceBuffer value, DeviceBuffer grad) {
            Optimizer opt = training.optimizer();
            boolean slot1 = opt instanceof Optimizer.Adam || (opt instanceof Optimizer.Sgd s && s.momentum() > 0);
            DeviceBuffer m = slot1 ? own(backend.allocate(p.size())) : null;
            DeviceBuffer v = opt instanceof Optimizer.Adam ? own(backend.allocate(p.size())) : null;
            float l2 = p.role() == Parameter.Role.WEIGHT ? training.l2() : 0f;
            return new Update(index, value, grad, m, v, p.size(), rules.learningRate(index), l2);
        }

        @Override public Backend backend() { return backend; }
        @Override public int maxBatch() { return plan.maxBatch(); }
        @Override public boolean trains() { return training != null; }

        @Override
        public DeviceBuffer parameter(String name) {
            DeviceBuffer b = parameters.get(name);
            if (b == null) {
                throw new IllegalArgumentException("layer '" + layer.name() + "' has no parameter '" + name + "'");
            }
            return b;
        }

        @Override
        public DeviceBuffer gradient(String name) {
            parameter(name);
            return gradients.get(name);
        }

        @Override
        public DeviceBuffer allocate(long length) {
            return own(backend.allocate(length));
        }

        @Override
        public <T> T kernels(Class<T> family) {
            return KernelFamilies.of(backend, family, this::allocate);
        }
    }
}
