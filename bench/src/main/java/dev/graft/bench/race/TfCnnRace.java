package dev.graft.bench.race;

import java.nio.file.Path;
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
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.op.nn.SparseSoftmaxCrossEntropyWithLogits;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The CNN race's job written directly against TensorFlow Java 1.1.0 (TF's native CPU kernels, oneDNN
 * where TF uses it), no Graft code on the hot path: one graph with the frozen convolutional base
 * (Conv2D, FusedBatchNorm in inference mode, Relu, MaxPool; variables that get no gradient), the
 * trainable head, and two SGD train ops (one fed cached bottleneck features, one fed images) whose
 * gradients cover the head's four variables only. Session: intra-op threads = the race's thread
 * count, inter-op 1. See {@link TfRace} for the loss and gradient plumbing, which is the same.
 *
 * <p>Usage: {@code TfCnnRace <fashion-mnist dir> <prepared dir> <batch> <threads> <cached epochs> <uncached epochs>}
 */
public final class TfCnnRace {

    private static final float LEARNING_RATE = 0.01f;
    private static final int FEATURIZE_BATCH = 256;
    private static final int PIXELS = 784;

    private final Graph graph = new Graph();
    private final Ops tf = Ops.create(graph);
    private final Map<String, Variable<TFloat32>> vars = new LinkedHashMap<>();
    private final Map<String, Placeholder<TFloat32>> varInputs = new LinkedHashMap<>();
    private final List<Op> loads = new ArrayList<>();
    private final Placeholder<TFloat32> images = tf.withName("images").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28, 1)));
    private final Placeholder<TFloat32> features = tf.withName("features").placeholder(TFloat32.class,
            Placeholder.shape(Shape.of(-1, CnnRaceData.FEATURES)));
    private final Placeholder<TInt32> labels = tf.withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
    private final Placeholder<TFloat32> scale = tf.withName("scale").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
    private final Operand<TFloat32> bottleneck;
    private final Operand<TFloat32> cachedLogits;
    private final TrainOp cachedTrain;
    private final TrainOp uncachedTrain;

    private record TrainOp(Operand<TFloat32> lossSum, List<Op> updates) {
    }

    private TfCnnRace() {
        addVariable("conv1/kernel", Shape.of(3, 3, 1, CnnRaceData.FILTERS1));
        addBatchNorm("bn1", CnnRaceData.FILTERS1);
        addVariable("conv2/kernel", Shape.of(3, 3, CnnRaceData.FILTERS1, CnnRaceData.FILTERS2));
        addBatchNorm("bn2", CnnRaceData.FILTERS2);
        addVariable("fc/kernel", Shape.of(CnnRaceData.FEATURES, CnnRaceData.HIDDEN));
        addVariable("fc/bias", Shape.of(CnnRaceData.HIDDEN));
        addVariable("output/kernel", Shape.of(CnnRaceData.HIDDEN, RaceData.CLASSES));
        addVariable("output/bias", Shape.of(RaceData.CLASSES));
        Operand<TFloat32> x = block(images, "conv1", "bn1");
        x = block(x, "conv2", "bn2");
        bottleneck = tf.reshape(x, tf.constant(new int[] {-1, CnnRaceData.FEATURES}));
        cachedLogits = head(features);
        Operand<TFloat32> fullLogits = head(bottleneck);
        List<Variable<TFloat32>> top = List.of(vars.get("fc/kernel"), vars.get("fc/bias"), vars.get("output/kernel"),
                vars.get("output/bias"));
        cachedTrain = trainOp("cached", cachedLogits, top);
        uncachedTrain = trainOp("uncached", fullLogits, top);
    }

    private void addVariable(String name, Shape shape) {
        String op = name.replace('/', '_');
        vars.put(name, tf.withName(op).variable(shape, TFloat32.class));
        Placeholder<TFloat32> in = tf.withName(op + "_value").placeholder(TFloat32.class, Placeholder.shape(shape));
        varInputs.put(name, in);
        loads.add(tf.assign(vars.get(name), in));
    }

    private void addBatchNorm(String layer, int channels) {
        for (String p : new String[] {"gamma", "beta", "moving_mean", "moving_variance"}) {
            addVariable(layer + "/" + p, Shape.of(channels));
        }
    }

    /** conv 3×3 valid → BatchNorm (inference) → relu → max pool 2. */
    private Operand<TFloat32> block(Operand<TFloat32> x, String conv, String bn) {
        Operand<TFloat32> c = tf.nn.conv2d(x, vars.get(conv + "/kernel"), List.of(1L, 1L, 1L, 1L), "VALID");
        Operand<TFloat32> n = tf.nn.fusedBatchNorm(c, vars.get(bn + "/gamma"), vars.get(bn + "/beta"),
                vars.get(bn + "/moving_mean"), vars.get(bn + "/moving_variance"),
                FusedBatchNorm.epsilon((float) CnnRaceData.BN_EPSILON), FusedBatchNorm.isTraining(false)).y();
        return tf.nn.maxPool(tf.nn.relu(n), tf.constant(new int[] {1, 2, 2, 1}), tf.constant(new int[] {1, 2, 2, 1}), "VALID");
    }

    private Operand<TFloat32> head(Operand<TFloat32> x) {
        Operand<TFloat32> h = tf.nn.relu(tf.nn.biasAdd(tf.linalg.matMul(x, vars.get("fc/kernel")), vars.get("fc/bias")));
        return tf.nn.biasAdd(tf.linalg.matMul(h, vars.get("output/kernel")), vars.get("output/bias"));
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
        Ops after = tf.withControlDependencies(ready);
        List<Op> updates = new ArrayList<>();
        for (int k = 0; k < trainable.size(); k++) {
            updates.add(after.train.applyGradientDescent(trainable.get(k), tf.constant(LEARNING_RATE), g.get(k)));
        }
        return new TrainOp(tf.reduceSum(sce.loss(), tf.constant(0)), updates);
    }

    private void load(Session session, Map<String, float[]> weights) {
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

    private static TFloat32 tensor(float[] values, int rows, int width) {
        TFloat32 t = TFloat32.tensorOf(width == PIXELS ? Shape.of(rows, 28, 28, 1) : Shape.of(rows, width));
        t.asRawTensor().data().asFloats().write(values, 0, rows * width);
        return t;
    }

    /** Runs {@code output} over every sample of {@code x} (width {@code in}) in batches; returns n × out. */
    private float[] run(Session session, Placeholder<TFloat32> input, Operand<TFloat32> output, float[] x, int n, int in, int out) {
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

    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]);
        Path prepared = Path.of(args[1]);
        int batch = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        int cachedEpochs = Integer.parseInt(args[4]);
        int uncachedEpochs = Integer.parseInt(args[5]);

        long t = System.nanoTime();
        RaceData.Split train = CnnRaceData.limit(RaceData.read(dataDir, "train"));
        RaceData.Split test = RaceData.read(dataDir, "t10k");
        RaceReport report = new RaceReport("tf-java", "TF Java 1.1.0 direct, intra_op=" + threads + " inter_op=1, TF_ENABLE_ONEDNN_OPTS="
                + System.getenv("TF_ENABLE_ONEDNN_OPTS"), batch, threads, train.n());
        report.put("loadDataMs", RaceReport.millisSince(t));

        t = System.nanoTime();
        Map<String, float[]> weights = CnnRaceData.read(prepared.resolve("cnn-weights.bin"));
        TfCnnRace race = new TfCnnRace();
        ConfigProto config = ConfigProto.newBuilder().setIntraOpParallelismThreads(threads).setInterOpParallelismThreads(1).build();
        int f = CnnRaceData.FEATURES;
        try (Graph g = race.graph; Session session = new Session(g, config)) {
            race.load(session, weights);
            report.put("loadModelMs", RaceReport.millisSince(t));

            t = System.nanoTime();
            long cpu = RaceReport.processCpuNanos();
            float[] trainFeatures = race.run(session, race.images, race.bottleneck, train.x(), train.n(), PIXELS, f);
            double featurizeMs = RaceReport.millisSince(t);
            report.put("featurizeMs", featurizeMs);
            report.put("featurizeCpuMs", RaceReport.cpuMillisSince(cpu));
            report.put("featurizeSamplesPerSec", train.n() / (featurizeMs / 1e3));
            float[] testFeatures = race.run(session, race.images, race.bottleneck, test.x(), test.n(), PIXELS, f);

            for (int e = 1; e <= cachedEpochs; e++) {
                long start = System.nanoTime();
                cpu = RaceReport.processCpuNanos();
                race.epoch(session, race.cachedTrain, race.features, trainFeatures, train.y(), train.n(), f, batch, 7L * 31 + e, report);
                report.cachedEpoch(RaceReport.millisSince(start));
                report.cachedEpochCpu(RaceReport.cpuMillisSince(cpu));
            }
            float[] logits = race.run(session, race.features, race.cachedLogits, testFeatures, test.n(), f, RaceData.CLASSES);
            report.put("testAccuracy", RaceReport.accuracy(logits, test.y(), test.n(), RaceData.CLASSES));

            race.load(session, weights);
            double last = 0;
            double lastCpu = 0;
            for (int e = 1; e <= uncachedEpochs; e++) {
                long start = System.nanoTime();
                cpu = RaceReport.processCpuNanos();
                race.epoch(session, race.uncachedTrain, race.images, train.x(), train.y(), train.n(), PIXELS, batch, 7L * 31 + e, report);
                last = RaceReport.millisSince(start);
                lastCpu = RaceReport.cpuMillisSince(cpu);
            }
            report.put("uncachedEpochMs", last);
            report.put("uncachedEpochCpuMs", lastCpu);
        }
        report.print();
    }
}
