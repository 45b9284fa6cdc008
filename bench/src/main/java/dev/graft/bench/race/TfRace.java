package dev.graft.bench.race;

import org.tensorflow.Graph;
import org.tensorflow.Session;

/**
 * The user's job written directly against TensorFlow Java 1.1.0, no Graft code on the hot path
 * ({@link TfMlp}): one graph with the frozen trunk (variables that get no gradient), the trainable
 * top, and two SGD train ops (one fed cached bottleneck features, one fed images) whose gradients
 * cover the four trainable variables only. Session: intra-op threads = the race's thread count,
 * inter-op 1.
 *
 * <p>Usage: {@code TfRace <fashion-mnist dir> <prepared dir> <batch> <threads> <cached epochs> <uncached epochs>}
 */
public final class TfRace {

    private TfRace() {
    }

    public static void main(String[] args) throws Exception {
        RaceArgs job = RaceArgs.parse(args);

        long t = System.nanoTime();
        RaceData.Split train = RaceData.read(job.dataDir(), "train");
        RaceData.Split test = RaceData.read(job.dataDir(), "t10k");
        RaceReport report = new RaceReport("tf-java", "TF Java 1.1.0 direct, intra_op=" + job.threads() + " inter_op=1",
                job.batch(), job.threads(), train.n());
        report.put("loadDataMs", RaceReport.millisSince(t));

        t = System.nanoTime();
        float[][] weights = RaceData.readWeights(job.prepared().resolve("weights.bin"));
        TfMlp net = new TfMlp(RaceData.LAYERS, 2);
        TfMlp.TrainOp cachedTrain = net.trainOp("cached", net.cachedLogits, net.topVariables());
        TfMlp.TrainOp uncachedTrain = net.trainOp("uncached", net.fullLogits, net.topVariables());
        try (Graph g = net.graph; Session session = net.session(job.threads())) {
            net.load(session, weights);
            report.put("loadModelMs", RaceReport.millisSince(t));

            t = System.nanoTime();
            float[] trainFeatures = net.run(session, net.images, net.bottleneck, train.x(), train.n(), 784, 100);
            double featurizeMs = RaceReport.millisSince(t);
            report.put("featurizeMs", featurizeMs);
            report.put("featurizeSamplesPerSec", train.n() / (featurizeMs / 1e3));
            float[] testFeatures = net.run(session, net.images, net.bottleneck, test.x(), test.n(), 784, 100);

            for (int e = 1; e <= job.cachedEpochs(); e++) {
                long start = System.nanoTime();
                net.epoch(session, cachedTrain, net.features, trainFeatures, train.y(), train.n(), 100, job.batch(), 7L * 31 + e, report);
                report.cachedEpoch(RaceReport.millisSince(start));
            }
            float[] logits = net.run(session, net.features, net.cachedLogits, testFeatures, test.n(), 100, 5);
            report.put("testAccuracy", RaceReport.accuracy(logits, test.y(), test.n(), 5));

            net.load(session, weights);
            double last = 0;
            for (int e = 1; e <= job.uncachedEpochs(); e++) {
                long start = System.nanoTime();
                net.epoch(session, uncachedTrain, net.images, train.x(), train.y(), train.n(), 784, job.batch(), 7L * 31 + e, report);
                last = RaceReport.millisSince(start);
            }
            report.put("uncachedEpochMs", last);
        }
        report.print();
    }
}
