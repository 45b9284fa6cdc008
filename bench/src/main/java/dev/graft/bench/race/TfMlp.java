package dev.graft.bench.race;

import java.util.ArrayList;
import java.util.List;
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
 * The races' network written directly against TensorFlow Java 1.1.0, no Graft code on the hot path:
 * one graph of dense layers (ReLU, identity on the last) cut at layer {@code cut}: the frozen trunk
 * below it maps {@link #images} to {@link #bottleneck}, the top above it maps either the bottleneck
 * ({@link #fullLogits}) or fed cached features ({@link #cachedLogits}) to logits. SGD train ops
 * cover a chosen subset of the variables (those below get no gradient). TF's C++ gradient registry
 * has no gradient for SparseSoftmaxCrossEntropyWithLogits, so backprop starts from that op's
 * {@code backprop} output.
 */
final class TfMlp {

    static final float LEARNING_RATE = 0.01f;
    static final int FEATURIZE_BATCH = 256;

    final Graph graph = new Graph();
    private final Ops tf = Ops.create(graph);
    private final List<Variable<TFloat32>> vars = new ArrayList<>();
    private final List<Placeholder<TFloat32>> varInputs = new ArrayList<>();
    private final List<Op> loads = new ArrayList<>();
    private final int cut;
    final Placeholder<TFloat32> images;
    final Placeholder<TFloat32> features;
    private final Placeholder<TInt32> labels = tf.withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
    private final Placeholder<TFloat32> scale = tf.withName("scale").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
    final Operand<TFloat32> bottleneck;
    final Operand<TFloat32> cachedLogits;
    final Operand<TFloat32> fullLogits;

    /** One SGD step: the batch's loss sum, and the variable updates (run as targets). */
    record TrainOp(Operand<TFloat32> lossSum, List<Op> updates) {
    }

    /** {@code layers}: {in, out} per dense layer; layers below {@code cut} form the frozen trunk. */
    TfMlp(int[][] layers, int cut) {
        this.cut = cut;
        images = tf.withName("images").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, layers[0][0])));
        features = tf.withName("features").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, layers[cut][0])));
        for (int[] layer : layers) {
            addVariable(Shape.of(layer[0], layer[1]));
            addVariable(Shape.of(layer[1]));
        }
        Operand<TFloat32> x = images;
        for (int l = 0; l < cut; l++) {
            x = dense(x, l, true);
        }
        bottleneck = x;
        cachedLogits = top(features, layers.length);
        fullLogits = top(bottleneck, layers.length);
    }

    private Operand<TFloat32> top(Operand<TFloat32> x, int layers) {
        for (int l = cut; l < layers; l++) {
            x = dense(x, l, l < layers - 1);
        }
        return x;
    }

    private void addVariable(Shape shape) {
        int i = vars.size();
        Variable<TFloat32> v = tf.withName("v" + i).variable(shape, TFloat32.class);
        Placeholder<TFloat32> in = tf.withName("v" + i + "_value").placeholder(TFloat32.class, Placeholder.shape(shape));
        vars.add(v);
        varInputs.add(in);
        loads.add(tf.assign(v, in));
    }

    private Operand<TFloat32> dense(Operand<TFloat32> x, int layer, boolean relu) {
        Operand<TFloat32> z = tf.nn.biasAdd(tf.linalg.matMul(x, vars.get(2 * layer)), vars.get(2 * layer + 1));
        return relu ? tf.nn.relu(z) : z;
    }

    /** The variables above the cut (the transfer job's trainable ones). */
    List<Variable<TFloat32>> topVariables() {
        return vars.subList(2 * cut, vars.size());
    }

    /** Every variable (the original network trained in full). */
    List<Variable<TFloat32>> allVariables() {
        return vars;
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

    /** Sets every variable: {@code weights} as {@link RaceData#readWeights} returns them. */
    void load(Session session, float[][] weights) {
        Session.Runner r = session.runner();
        List<TFloat32> tensors = new ArrayList<>();
        for (int i = 0; i < vars.size(); i++) {
            TFloat32 t = TFloat32.tensorOf(vars.get(i).shape());
            t.asRawTensor().data().asFloats().write(weights[i]);
            tensors.add(t);
            r.feed(varInputs.get(i), t).addTarget(loads.get(i));
        }
        r.run().close();
        tensors.forEach(TFloat32::close);
    }

    private static TFloat32 matrix(float[] values, int rows, int cols) {
        TFloat32 t = TFloat32.tensorOf(Shape.of(rows, cols));
        t.asRawTensor().data().asFloats().write(values, 0, rows * cols);
        return t;
    }

    /** Runs {@code output} over every row of {@code x} (width {@code in}) in batches of 256; returns n × out. */
    float[] run(Session session, Placeholder<TFloat32> input, Operand<TFloat32> output, float[] x, int n, int in, int out) {
        float[] result = new float[n * out];
        float[] chunk = new float[FEATURIZE_BATCH * in];
        for (int from = 0; from < n; from += FEATURIZE_BATCH) {
            int rows = Math.min(FEATURIZE_BATCH, n - from);
            System.arraycopy(x, from * in, chunk, 0, rows * in);
            try (TFloat32 t = matrix(chunk, rows, in);
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
            try (TFloat32 xt = matrix(xb, rows, in);
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
