package dev.graft.exec;

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
 */
public final class KernelNetwork implements Network {

    private final Backend backend;
    private final NetworkPlan plan;
    private final ExecutionPlan rules;
    private final TrainingConfig training;
    private final Stage[] stages;
    private final Update[] updates;
    private final List<DeviceBuffer> owned = new ArrayList<>();
    private final Pass pass = new Pass();
    private final DeviceBuffer input;
    private final DeviceBuffer targets;
    private final DeviceBuffer topGrad;
    /** Host copy of a training batch's logits for the accuracy count; reused so a step allocates nothing. */
    private final float[] logits;
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
        try {
            this.input = own(backend.allocate((long) batch * model.inputWidth()));
            for (int i = 0; i < model.size(); i++) {
                stages[i] = new Stage(i, model.layer(i), batch, updateList);
            }
            this.targets = training == null ? null : own(backend.allocate(
                    training.loss().usesClassLabels() ? batch : (long) batch * model.outputWidth()));
            this.topGrad = training == null ? null : own(backend.allocate((long) batch * model.outputWidth()));
            this.logits = training == null ? null : new float[batch * model.outputWidth()];
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.updates = updateList.toArray(new Update[0]);
    }

    @Override
    public NetworkPlan plan() {
        return plan;
    }

    /** The execution rules this network follows. */
    public ExecutionPlan rules() {
        return rules;
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
        for (Stage s : stages) {
            pass.set(train && s.trainingMode, train && s.logits, train ? rules.seed(s.index, step) : 0L);
            s.op.forward(x, s.output, rows, pass);
            s.input = x;
            x = s.output;
        }
        return x;
    }

    private void backward(int rows) {
        DeviceBuffer g = topGrad;
        for (int i = stages.length - 1; i >= rules.firstTrainable(); i--) {
            Stage s = stages[i];
            s.op.backward(s.input, s.output, g, s.inputGrad, rows);
            g = s.inputGrad;
        }
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

    /** One optimizer update: a parameter, its gradient and its slots. */
    private record Update(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer slot1, DeviceBuffer slot2, long length,
                          float learningRate, float l2) {
    }

    /** One layer's device state and op. */
    private final class Stage implements OpContext {
        final int index;
        final Layer layer;
        final boolean trainingMode;
        final boolean logits;
        final DeviceBuffer output;
        final DeviceBuffer inputGrad;
        final Map<String, DeviceBuffer> parameters = new LinkedHashMap<>();
        final Map<String, DeviceBuffer> gradients = new HashMap<>();
        final LayerOp op;
        DeviceBuffer input;

        Stage(int index, Layer layer, int batch, List<Update> updates) {
            this.index = index;
            this.layer = layer;
            this.trainingMode = rules.trainingMode(index);
            this.logits = rules.outputsLogits(index);
            this.output = own(backend.allocate((long) batch * layer.outputWidth()));
            this.inputGrad = training != null && rules.passesGradientDown(index)
                    ? own(backend.allocate((long) batch * layer.inputWidth())) : null;
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
            try {
                this.op = layer.op(this);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("layer '" + layer.name() + "' (" + layer.description().type()
                        + ") cannot run on backend '" + backend.name() + "': " + e.getMessage(), e);
            }
        }

        private Update slots(Parameter p, DeviceBuffer value, DeviceBuffer grad) {
            Optimizer opt = training.optimizer();
            boolean slot1 = opt instanceof Optimizer.Adam || (opt instanceof Optimizer.Sgd s && s.momentum() > 0);
            DeviceBuffer m = slot1 ? own(backend.allocate(p.size())) : null;
            DeviceBuffer v = opt instanceof Optimizer.Adam ? own(backend.allocate(p.size())) : null;
            float l2 = p.role() == Parameter.Role.WEIGHT ? training.l2() : 0f;
            return new Update(value, grad, m, v, p.size(), rules.learningRate(index), l2);
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
