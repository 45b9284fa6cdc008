package dev.graft.bench.race;

import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;

/**
 * The CNN race's job written directly against TensorFlow Java 1.1.0 (TF's native CPU kernels, oneDNN
 * where TF uses it), no Graft code on the hot path: one graph with the frozen convolutional base
 * (Conv2D, FusedBatchNorm in inference mode, Relu, MaxPool; variables that get no gradient), the
 * trainable head, and two SGD train ops (one fed cached bottleneck features, one fed images) whose
 * gradients cover the head's four variables only. Session: intra-op threads = the race's thread
 * count, inter-op 1. The loss and gradient plumbing is {@link TfGraph}'s, shared with the MLP races.
 *
 * <p>Usage: {@code TfCnnRace <fashion-mnist dir> <prepared dir> <batch> <threads> <cached epochs> <uncached epochs>}
 */
public final class TfCnnRace extends TfGraph {

    private static final int PIXELS = 784;

    private final Placeholder<TFloat32> images = tf.withName("images").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28, 1)));
    private final Placeholder<TFloat32> features = tf.withName("features").placeholder(TFloat32.class,
            Placeholder.shape(Shape.of(-1, CnnRaceData.FEATURES)));
    private final Operand<TFloat32> bottleneck;
    private final Operand<TFloat32> cachedLogits;
    private final TrainOp cachedTrain;
    private final TrainOp uncachedTrain;

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

    @Override
    Shape batchShape(int rows, int width) {
        return width == PIXELS ? Shape.of(rows, 28, 28, 1) : Shape.of(rows, width);
    }

    public static void main(String[] args) throws Exception {
        RaceArgs job = RaceArgs.parse(args);

        long t = System.nanoTime();
        RaceData.Split train = CnnRaceData.limit(RaceData.read(job.dataDir(), "train"));
        RaceData.Split test = RaceData.read(job.dataDir(), "t10k");
        RaceReport report = new RaceReport("tf-java", "TF Java 1.1.0 direct, intra_op=" + job.threads() + " inter_op=1, TF_ENABLE_ONEDNN_OPTS="
                + System.getenv("TF_ENABLE_ONEDNN_OPTS"), job.batch(), job.threads(), train.n());
        report.put("loadDataMs", RaceReport.millisSince(t));

        t = System.nanoTime();
        Map<String, float[]> weights = CnnRaceData.read(job.prepared().resolve("cnn-weights.bin"));
        TfCnnRace race = new TfCnnRace();
        int f = CnnRaceData.FEATURES;
        try (Graph g = race.graph; Session session = race.session(job.threads())) {
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

            for (int e = 1; e <= job.cachedEpochs(); e++) {
                long start = System.nanoTime();
                cpu = RaceReport.processCpuNanos();
                race.epoch(session, race.cachedTrain, race.features, trainFeatures, train.y(), train.n(), f, job.batch(), 7L * 31 + e, report);
                report.cachedEpoch(RaceReport.millisSince(start));
                report.cachedEpochCpu(RaceReport.cpuMillisSince(cpu));
            }
            float[] logits = race.run(session, race.features, race.cachedLogits, testFeatures, test.n(), f, RaceData.CLASSES);
            report.put("testAccuracy", RaceReport.accuracy(logits, test.y(), test.n(), RaceData.CLASSES));

            race.load(session, weights);
            double last = 0;
            double lastCpu = 0;
            for (int e = 1; e <= job.uncachedEpochs(); e++) {
                long start = System.nanoTime();
                cpu = RaceReport.processCpuNanos();
                race.epoch(session, race.uncachedTrain, race.images, train.x(), train.y(), train.n(), PIXELS, job.batch(), 7L * 31 + e, report);
                last = RaceReport.millisSince(start);
                lastCpu = RaceReport.cpuMillisSince(cpu);
            }
            report.put("uncachedEpochMs", last);
            report.put("uncachedEpochCpuMs", lastCpu);
        }
        report.print();
    }
}
