package dev.graft.bench.race;

import java.nio.file.Path;
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
 * The user's job written directly against TensorFlow Java 1.1.0, no Graft code on the hot path:
 * one graph with the frozen trunk (variables that get no gradient), the trainable top, and two
 * SGD train ops (one fed cached bottleneck features, one fed images) whose gradients cover the
 * four trainable variables only. TF's C++ gradient registry has no gradient for
 * SparseSoftmaxCrossEntropyWithLogits, so backprop starts from that op's {@code backprop} output.
 * Session: intra-op threads = the race's thread count, inter-op 1.
 *
 * <p>Usage: {@code TfRace <fashion-mnist dir> <prepared dir> <batch> <threads> <cached epochs> <uncached epochs>}
 */
public final class TfRace {

    private static final float LEARNING_RATE = 0.01f;
    private static final int FEATURIZE_BATCH = 256;

    private final Graph graph = new Graph();
    private final Ops tf = Ops.create(graph);
    private final List<Variable<TFloat32>> vars = new ArrayList<>();
    private final List<Placeholder<TFloat32>> varInputs = new ArrayList<>();
    private final List<Op> loads = new ArrayList<>();
    private final Placeholder<TFloat32> images = tf.withName("images").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 784)));
    private final Placeholder<TFloat32> features = tf.withName("features").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 100)));
    private final Placeholder<TInt32> labels = tf.withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
    private final Placeholder<TFloat32> scale = tf.withName("scale").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
    private final Operand<TFloat32> bottleneck;
    private final Operand<TFloat32> cachedLogits;
    private final TrainOp cachedTrain;
    private final TrainOp uncachedTrain;

    private record TrainOp(Operand<TFloat32> lossSum, List<Op> updates) {
    }

    private TfRace() {
        for (int[] layer : RaceData.LAYERS) {
            addVariable(Shape.of(layer[0], layer[1]));
            addVariable(Shape.of(layer[1]));
        }
        bottleneck = dense(dense(images, 0, true), 1, true);
        cachedLogits = dense(dense(features, 2, true), 3, false);
        Operand<TFloat32> fullLogits = dense(dense(bottleneck, 2, true), 3, false);
        List<Variable<TFloat32>> top = vars.subList(4, 8);
        cachedTrain = trainOp("cached", cachedLogits, top);
        uncachedTrain = trainOp("uncached", fullLogits, top);
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

    private TrainOp trainOp(String name, Operand<TFloat32> logits, List<Variable<TFloat32>> trainable) {
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

    private void load(Session session, float[][] weights) {
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

    /** Runs {@code output} over every row of {@code x} (width {@code in}) in batches; returns n × out. */
    private float[] run(Session session, Placeholder<TFloat32> input, Operand<TFloat32> output, float[] x, int n, int in, int out) {
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

    /** One epoch of SGD steps on {@code x} (width {@code in}); returns the loss sum. */
    private double epoch(Session session, TrainOp op, Placeholder<TFloat32> input, float[] x, int[] y, int n, int in,
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

    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]);
        Path prepared = Path.of(args[1]);
        int batch = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        int cachedEpochs = Integer.parseInt(args[4]);
        int uncachedEpochs = Integer.parseInt(args[5]);

        long t = System.nanoTime();
        RaceData.Split train = RaceData.read(dataDir, "train");
        RaceData.Split test = RaceData.read(dataDir, "t10k");
        RaceReport report = new RaceReport("tf-java", "TF Java 1.1.0 direct, intra_op=" + threads + " inter_op=1",
                batch, threads, train.n());
        report.put("loadDataMs", RaceReport.millisSince(t));

        t = System.nanoTime();
        float[][] weights = RaceData.readWeights(prepared.resolve("weights.bin"));
        TfRace race = new TfRace();
        ConfigProto config = ConfigProto.newBuilder().setIntraOpParallelismThreads(threads).setInterOpParallelismThreads(1).build();
        try (Graph g = race.graph; Session session = new Session(g, config)) {
            race.load(session, weights);
            report.put("loadModelMs", RaceReport.millisSince(t));

            t = System.nanoTime();
            float[] trainFeatures = race.run(session, race.images, race.bottleneck, train.x(), train.n(), 784, 100);
            double featurizeMs = RaceReport.millisSince(t);
            report.put("featurizeMs", featurizeMs);
            report.put("featurizeSamplesPerSec", train.n() / (featurizeMs / 1e3));
            float[] testFeatures = race.run(session, race.images, race.bottleneck, test.x(), test.n(), 784, 100);

            for (int e = 1; e <= cachedEpochs; e++) {
                long start = System.nanoTime();
                race.epoch(session, race.cachedTrain, race.features, trainFeatures, train.y(), train.n(), 100, batch, 7L * 31 + e, report);
                report.cachedEpoch(RaceReport.millisSince(start));
            }
            float[] logits = race.run(session, race.features, race.cachedLogits, testFeatures, test.n(), 100, 5);
            report.put("testAccuracy", RaceReport.accuracy(logits, test.y(), test.n(), 5));

            race.load(session, weights);
            double last = 0;
            for (int e = 1; e <= uncachedEpochs; e++) {
                long start = System.nanoTime();
                race.epoch(session, race.uncachedTrain, race.images, train.x(), train.y(), train.n(), 784, batch, 7L * 31 + e, report);
                last = RaceReport.millisSince(start);
            }
            report.put("uncachedEpochMs", last);
        }
        report.print();
    }
}
