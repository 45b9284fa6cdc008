package dev.graft.bench.race;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.SparseSoftmaxCrossEntropyWithLogits;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * What the races' TensorFlow Java peers share, no Graft code on the hot path: a graph of named
 * variables (each set from a fed value), plain SGD train ops over a chosen subset of them (the rest
 * get no gradient), batched inference, and training epochs over a seeded shuffle. TF's C++ gradient
 * registry has no gradient for SparseSoftmaxCrossEntropyWithLogits, so backprop starts from that
 * op's {@code backprop} output. Subclasses build the network ({@link TfMlp}, {@link TfCnnRace}).
 */
class TfGraph {

    static final float LEARNING_RATE = 0.01f;
    static final int FEATURIZE_BATCH = 256;

    final Graph graph = new Graph();
    final Ops tf = Ops.create(graph);
    final Map<String, Variable<TFloat32>> vars = new LinkedHashMap<>();
    private final Map<String, Placeholder<TFloat32>> varInputs = new LinkedHashMap<>();
    private final List<Op> loads = new ArrayList<>();
    final Placeholder<TInt32> labels = tf.withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
    final Placeholder<TFloat32> scale = tf.withName("scale").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));

    /** One SGD step: the batch's loss sum, and the variable updates (run as targets). */
    record TrainOp(Operand<TFloat32> lossSum, List<Op> updates) {
    }

    /** A variable named {@code name} ('/' becomes '_' in the op name), set by {@link #load}. */
    void addVariable(String name, Shape shape) {
        String op = name.replace('/', '_');
        vars.put(name, tf.withName(op).variable(shape, TFloat32.class));
        Placeholder<TFloat32> in = tf.withName(op + "_value").placeholder(TFloat32.class, Placeholder.shape(shape));
        varInputs.put(name, in);
        loads.add(tf.assign(vars.get(name), in));
    }

    /** The shape of a fed batch of {@code rows} samples of {@code width} floats (rows × width unless overridden). */
    Shape batchShape(int rows, int width) {
        return Shape.of(rows, width);
    }

    /** A session with {@code threads} intra-op threads and one inter-op thread. */
    Session session(int threads) {
        return new Session(graph, ConfigProto.newBuilder().setIntraOpParallelismThreads(threads).setInterOpParallelismThreads(1).build());
    }

    TrainOp trainOp(String name, Operand<TFloat32> logits, List<Variable<TFloat32>> trainable) {
        SparseSoftmaxCrossEntropyWithLogits<TFloat32> sce = tf.nn.sparseSoftmaxCrossEntropyWithLogits(logits, labels);
        Operand<TFloat32> dLogits = tf.math.mul(sce.backprop(), scale);
        Output<?>[] xs = trainable.stream().map(Variable::asOutput).toArray(Output<?>[]::new);
        Output<?>[] grads = graph.addGradients("grad_" + name, new Output<?>[] {logits.asOutput()}, xs,
                new Output<?>[] {dLogits.asOutput()});
        List<Op> ready = new ArrayList<>();
        List<Operand<TFloat32>> g = new ArrayList<>();
        for (Output<?> grad : grads) {
            var id = tf.identity(grad.expect(TFloat32.class));
            ready.add(id);
            g.add(id);
        }
        // Every gradient is computed before any variable changes.
        Ops after = tf.withControlDependencies(ready);
        List<Op> updates = new ArrayList<>();
        for (int k = 0; k < trainable.size(); k++) {
            updates.add(after.train.applyGradientDescent(trainable.get(k), tf.constant(LEARNING_RATE), g.get(k)));
        }
        return new TrainOp(tf.reduceSum(sce.loss(), tf.constant(0)), updates);
    }

    /** Sets every variable to its value in {@code weights} (by the variable's name). */
    void load(Session session, Map<String, float[]> weights) {
        Session.Runner r = session.runner();
        List<TFloat32> tensors = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, Variable<TFloat32>> e : vars.entrySet()) {
            TFloat32 t = TFloat32.tensorOf(e.getValue().shape());
            t.asRawTensor().data().asFloats().write(weights.get(e.getKey()));
            tensors.add(t);
            r.feed(varInputs.get(e.getKey()), t).addTarget(loads.get(i++));
        }
        r.run().close();
        tensors.forEach(TFloat32::close);
    }

    private TFloat32 tensor(float[] values, int rows, int width) {
        TFloat32 t = TFloat32.tensorOf(batchShape(rows, width));
        t.asRawTensor().data().asFloats().write(values, 0, rows * width);
        return t;
    }

    /** Runs {@code output} over every sample of {@code x} (width {@code in}) in batches of 256; returns n × out. */
    float[] run(Session session, Placeholder<TFloat32> input, Operand<TFloat32> output, float[] x, int n, int in, int out) {
        float[] result = new float[n * out];
        float[] chunk = new float[FEATURIZE_BATCH * in];
        for (int from = 0; from < n; from += FEATURIZE_BATCH) {
            int rows = Math.min(FEATURIZE_BATCH, n - from);
            System.arraycopy(x, from * in, chunk, 0, rows * in);
            try (TFloat32 t = tensor(chunk, rows, in);
                 Result r = session.runner().feed(input, t).fetch(output).run()) {
                ((TFloat32) r.get(0)).asRawTensor().data().asFloats().read(result, from * out, rows * out);
            }
        }
        return result;
    }

    /**
     * One epoch of SGD steps on {@code x} (width {@code in}), batches in {@link RaceData#shuffle}'s
     * order for {@code seed} (the same as Graft's trainer); returns the loss sum.
     */
    double epoch(Session session, TrainOp op, Placeholder<TFloat32> input, float[] x, int[] y, int n, int in,
                 int batch, long seed, RaceReport report) {
        int[] order = RaceData.shuffle(n, seed);
        float[] xb = new float[batch * in];
        int[] yb = new int[batch];
        double lossSum = 0;
        for (int from = 0; from < n; from += batch) {
            int rows = Math.min(batch, n - from);
            for (int i = 0; i < rows; i++) {
                int s = order[from + i];
                System.arraycopy(x, s * in, xb, i * in, in);
                yb[i] = y[s];
            }
            try (TFloat32 xt = tensor(xb, rows, in);
                 TInt32 yt = TInt32.tensorOf(Shape.of(rows));
                 TFloat32 st = TFloat32.scalarOf(1f / rows)) {
                yt.asRawTensor().data().asInts().write(yb, 0, rows);
                Session.Runner r = session.runner().feed(input, xt).feed(labels, yt).feed(scale, st).fetch(op.lossSum());
                op.updates().forEach(r::addTarget);
                try (Result result = r.run()) {
                    double loss = ((TFloat32) result.get(0)).getFloat();
                    lossSum += loss;
                    report.batchDone(loss / rows);
                }
            }
        }
        return lossSum;
    }
}
