package dev.graft.bench.race;

import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The seed race's TensorFlow Java peer (issue 19): the job on {@link TfMlp}, no Graft code on the hot
 * path, with three SGD train ops (the top on images, the top on cached features, every variable on
 * images), the weights reloaded before each epoch kind. Kinds and order are {@link SeedRace}'s.
 *
 * <p>Usage: {@code SeedTfRace <prepared dir> <threads> <epochs per kind>}
 */
public final class SeedTfRace {

    private SeedTfRace() {
    }

    public static void main(String[] argv) throws Exception {
        SeedRace.Args args = SeedRace.Args.parse(argv);
        long t = System.nanoTime();
        RaceData.Split data = SeedRaceData.read(args.data());
        RaceReport report = SeedRace.report(args, "tf-java", "TF Java 1.1.0 direct, intra_op=" + args.threads() + " inter_op=1", data.n(), t);

        t = System.nanoTime();
        float[][] weights = RaceData.readWeights(args.weights(), SeedRaceData.LAYERS);
        TfMlp net = new TfMlp(SeedRaceData.LAYERS, SeedRace.CUT);
        TfMlp.TrainOp uncachedTrain = net.trainOp("uncached", net.fullLogits, net.topVariables());
        TfMlp.TrainOp cachedTrain = net.trainOp("cached", net.cachedLogits, net.topVariables());
        TfMlp.TrainOp fullTrain = net.trainOp("full", net.fullLogits, net.allVariables());
        int in = SeedRaceData.WIDTH;
        int bottleneck = SeedRaceData.LAYERS[SeedRace.CUT][0];
        try (Graph g = net.graph; Session session = net.session(args.threads())) {
            net.load(session, weights);
            report.put("loadModelMs", RaceReport.millisSince(t));
            Kinds kinds = new Kinds(net, session, weights, data, report, args.epochs());
            kinds.run(SeedRace.UNCACHED, uncachedTrain, net.images, data.x(), in, SeedRace.BATCH);

            t = System.nanoTime();
            float[] features = net.run(session, net.images, net.bottleneck, data.x(), data.n(), in, bottleneck);
            report.put("featurizeMs", RaceReport.millisSince(t));

            kinds.run(SeedRace.CACHED, cachedTrain, net.features, features, bottleneck, SeedRace.BATCH);
            kinds.run(SeedRace.CACHED_LARGE, cachedTrain, net.features, features, bottleneck, SeedRace.LARGE_BATCH);
            kinds.run(SeedRace.FULL, fullTrain, net.images, data.x(), in, SeedRace.BATCH);
        }
        report.print();
    }

    /** Runs one epoch kind from the starting weights. */
    private record Kinds(TfMlp net, Session session, float[][] weights, RaceData.Split data, RaceReport report, int epochs) {
        void run(String kind, TfMlp.TrainOp op, Placeholder<TFloat32> input,
                 float[] x, int width, int batch) {
            net.load(session, weights);
            SeedRace.timeEpochs(report, kind, epochs, e -> net.epoch(session, op, input, x, data.y(), data.n(), width, batch,
                    SeedRace.shuffleSeed(e), report) / data.n());
        }
    }
}
