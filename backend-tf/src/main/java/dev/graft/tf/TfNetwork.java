package dev.graft.tf;

import dev.graft.Dropout;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.exec.ExecutionPlan;
import dev.graft.exec.Metrics;
import dev.graft.spi.DropoutMask;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.StepStats;
import dev.graft.train.TrainingConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A model compiled into one TF graph: the inference pass, and (when the plan trains) the whole
 * train step — forward with dropout, the loss, gradients of the trainable parameters only
 * ({@code Graph.addGradients} on the chosen variables, seeded with the fused loss gradient) and the
 * SPI's update rule as assign ops. Each {@link #predict} or {@link #trainStep} is one
 * {@code Session.run}; parameters stay in TF variables until {@link #snapshot()}.
 *
 * <p>Conventions match {@link dev.graft.exec.KernelNetwork} because both follow one
 * {@link ExecutionPlan}: softmax on top is fused into the cross-entropy while training, the loss is
 * averaged over the batch, dropout masks come from {@link DropoutMask} with the same seeds
 * (generated on the host and fed), and layers with a learning-rate multiplier of 0 are not updated.
 * Only layer types {@link TfLayers} knows are compiled; {@link TfBackend} places other models on a
 * {@code KernelNetwork} over its kernels.
 */
final class TfNetwork implements Network {

    private final NetworkPlan plan;
    private final TrainingConfig training;
    private final ExecutionPlan rules;
    private final Graph graph = new Graph();
    private final Session session;
    private final TfModelGraph params;
    private final Placeholder<TFloat32> input;
    private final Operand<TFloat32> inference;
    private final TfTrainGraph train;
    private long step;
    /** The optimizer's base learning rate now: the plan's, until a schedule changes it. */
    private float baseRate;

    TfNetwork(NetworkPlan plan, ConfigProto config) {
        this.plan = plan;
        this.training = plan.training();
        this.rules = new ExecutionPlan(plan);
        this.baseRate = training == null ? 0f : training.optimizer().learningRate();
        Model model = plan.model();
        Session s = null;
        try {
            Ops tf = Ops.create(graph);
            params = new TfModelGraph(tf, model, i -> "layer" + i, "the TF backend's graph compiler");
            input = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, model.inputWidth())));
            inference = tf.withName("output").identity(params.forward(tf.withSubScope("infer"), input));
            train = training == null ? null : new TfTrainGraph(tf.withSubScope("train"), graph, rules, params, input);
            s = new Session(graph, config);
            params.load(s);
            if (train != null) {
                train.initSlots(s);
            }
        } catch (RuntimeException e) {
            if (s != null) {
                s.close();
            }
            graph.close();
            throw e;
        }
        this.session = s;
    }

    @Override
    public NetworkPlan plan() {
        return plan;
    }

    @Override
    public void predict(float[] in, int inputOffset, int rows, float[] out, int outputOffset) {
        checkRows(rows);
        Model model = plan.model();
        try (TFloat32 x = matrix(in, inputOffset, rows, model.inputWidth());
             Result r = session.runner().feed(input, x).fetch(inference).run()) {
            ((TFloat32) r.get(0)).asRawTensor().data().asFloats().read(out, outputOffset, rows * model.outputWidth());
        }
    }

    @Override
    public StepStats trainStep(float[] in, float[] targets, int rows) {
        if (train == null) {
            throw new IllegalStateException("this network was placed for inference only");
        }
        checkRows(rows);
        Model model = plan.model();
        int classes = model.outputWidth();
        boolean classification = training.loss().usesClassLabels();
        int[] labels = classification ? TfLabels.toInts(targets, rows, classes) : null;
        step++;
        List<Tensor> feeds = new ArrayList<>();
        try {
            Session.Runner runner = session.runner();
            runner.feed(input, own(feeds, matrix(in, 0, rows, model.inputWidth())));
            if (classification) {
                TInt32 labelTensor = own(feeds, TInt32.tensorOf(Shape.of(rows)));
                labelTensor.asRawTensor().data().asInts().write(labels, 0, rows);
                runner.feed(train.labels(), labelTensor);
                runner.feed(train.gradScale(), own(feeds, TFloat32.scalarOf(1f / rows)));
            } else {
                runner.feed(train.targets(), own(feeds, matrix(targets, 0, rows, classes)));
                runner.feed(train.gradScale(), own(feeds, TFloat32.scalarOf(2f / classes * (1f / rows))));
            }
            for (TfTrainGraph.Mask mask : train.masks()) {
                runner.feed(mask.input(), own(feeds, dropoutMask(mask, rows)));
            }
            for (TfTrainGraph.AdamRate rate : train.adamRates()) {
                runner.feed(rate.input(), own(feeds, TFloat32.scalarOf(TfAdam.stepSize(rules.learningRate(rate.layer(), baseRate),
                        rate.beta1(), rate.beta2(), step))));
            }
            train.updates().forEach(runner::addTarget);
            runner.fetch(train.perRowLoss()).fetch(train.prediction());
            try (Result r = runner.run()) {
                float[] losses = new float[rows];
                ((TFloat32) r.get(0)).asRawTensor().data().asFloats().read(losses, 0, rows);
                double loss = 0;
                for (float l : losses) {
                    loss += l;
                }
                int correct = 0;
                if (classification) {
                    float[] logits = new float[rows * classes];
                    ((TFloat32) r.get(1)).asRawTensor().data().asFloats().read(logits, 0, logits.length);
                    correct = Metrics.countCorrect(logits, targets, rows, classes);
                }
                return new StepStats(loss, correct);
            }
        } finally {
            feeds.forEach(Tensor::close);
        }
    }

    /** The mask KernelNetwork would draw for this layer at this step: {@code 0} or {@code 1/(1−rate)}. */
    private TFloat32 dropoutMask(TfTrainGraph.Mask mask, int rows) {
        Dropout d = mask.layer();
        long seed = rules.seed(mask.layerIndex(), step);
        float kept = 1f / (1f - d.rate());
        float[] values = new float[rows * d.width()];
        for (int i = 0; i < values.length; i++) {
            values[i] = DropoutMask.keep(seed, i, d.rate()) ? kept : 0f;
        }
        return matrix(values, 0, rows, d.width());
    }

    /** Feeds the new per-parameter SGD rates into their variables; Adam's step sizes follow {@code baseRate} from the next step. */
    @Override
    public boolean setLearningRate(float rate) {
        if (train == null) {
            throw new IllegalStateException("this network was placed for inference only");
        }
        if (!train.sgdRates().isEmpty()) {
            List<Tensor> feeds = new ArrayList<>();
            try {
                Session.Runner runner = session.runner();
                for (TfTrainGraph.SgdRate r : train.sgdRates()) {
                    runner.feed(r.input(), own(feeds, TFloat32.scalarOf(rules.learningRate(r.layer(), rate))));
                    runner.addTarget(r.assign());
                }
                runner.run().close();
            } finally {
                feeds.forEach(Tensor::close);
            }
        }
        baseRate = rate;
        return true;
    }

    @Override
    public Model snapshot() {
        Model model = plan.model();
        if (training == null) {
            return model;
        }
        Session.Runner runner = session.runner();
        List<Integer> fetched = new ArrayList<>();
        for (int i = 0; i < model.size(); i++) {
            if (model.layer(i).trainable() && !params.vars(i).isEmpty()) {
                params.vars(i).values().forEach(v -> runner.fetch(v.variable()));
                fetched.add(i);
            }
        }
        if (fetched.isEmpty()) {
            return model;
        }
        List<Layer> layers = new ArrayList<>(model.layers());
        try (Result r = runner.run()) {
            int k = 0;
            for (int i : fetched) {
                Map<String, float[]> values = new LinkedHashMap<>();
                for (TfModelGraph.Var v : params.vars(i).values()) {
                    float[] value = new float[v.parameter().size()];
                    ((TFloat32) r.get(k++)).asRawTensor().data().asFloats().read(value, 0, value.length);
                    values.put(v.parameter().name(), value);
                }
                layers.set(i, model.layer(i).withParameters(values));
            }
        }
        return model.withLayers(layers);
    }

    /** The compiled graph (tests look for the ops in it). */
    Graph graph() {
        return graph;
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }

    private void checkRows(int rows) {
        if (rows <= 0 || rows > plan.maxBatch()) {
            throw new IllegalArgumentException("batch of " + rows + " rows; this network was placed for 1.." + plan.maxBatch());
        }
    }

    static TFloat32 matrix(float[] values, int offset, int rows, int cols) {
        int n = rows * cols;
        if (offset < 0 || offset + n > values.length) {
            throw new IllegalArgumentException("need " + rows + " x " + cols + " = " + n + " values from offset " + offset
                    + ", array has " + values.length);
        }
        TFloat32 t = TFloat32.tensorOf(Shape.of(rows, cols));
        t.asRawTensor().data().asFloats().write(values, offset, n); // bulk copy; a DataBuffer-to-tensor copy is far slower
        return t;
    }

    private static <T extends Tensor> T own(List<Tensor> owned, T tensor) {
        owned.add(tensor);
        return tensor;
    }
}
