package dev.graft.bench.race.dl4j;

import dev.graft.bench.race.RaceData;
import dev.graft.bench.race.RaceReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.transferlearning.TransferLearningHelper;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The user's job in Deeplearning4j 1.0.0-M2.1, the way its transfer-learning guide writes it:
 * {@code TransferLearning.Builder} (feature extractor at hidden2, new output layer) and
 * {@code TransferLearningHelper.featurize / fitFeaturized} for the cached epochs; {@code fit} of
 * the whole transferred network for the uncached ones. Same starting weights, SGD 0.01, softmax
 * cross-entropy (DL4J's OutputLayer with MCXENT, averaged over the batch).
 *
 * <p>Usage: {@code Dl4jRace <fashion-mnist dir> <prepared dir> <batch> <threads> <cached epochs> <uncached epochs>}
 */
public final class Dl4jRace {

    private static final int FEATURIZE_BATCH = 256;

    private Dl4jRace() {
    }

    /** The user's original 784-300-100-50-5 network with hidden1–3 from the prepared weights. */
    private static MultiLayerNetwork original(float[][] w) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(1).updater(new Sgd(0.01)).dataType(DataType.FLOAT)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .list()
                .layer(new DenseLayer.Builder().name("hidden1").nIn(784).nOut(300).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("hidden2").nIn(300).nOut(100).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("hidden3").nIn(100).nOut(50).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("output").nIn(50).nOut(5)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        for (int l = 0; l < 3; l++) {
            setDense(net, l, w);
        }
        return net;
    }

    private static void setDense(MultiLayerNetwork net, int l, float[][] w) {
        int[] shape = RaceData.LAYERS[l];
        net.getLayer(l).setParam("W", Nd4j.create(w[2 * l], new long[] {shape[0], shape[1]}, 'c'));
        net.getLayer(l).setParam("b", Nd4j.create(w[2 * l + 1], new long[] {1, shape[1]}, 'c'));
    }

    /** hidden1–2 frozen, hidden3 trainable, new output layer with the prepared initial values. */
    private static MultiLayerNetwork transferred(float[][] w) {
        MultiLayerNetwork net = new TransferLearning.Builder(original(w))
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Sgd(0.01)).seed(3).build())
                .setFeatureExtractor(1)
                .removeOutputLayer()
                .addLayer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("output").nIn(50).nOut(5)
                        .activation(Activation.SOFTMAX).build())
                .build();
        setDense(net, 3, w);
        return net;
    }

    private static DataSet dataSet(float[] x, int[] y, int from, int rows, int width) {
        float[] xs = new float[rows * width];
        System.arraycopy(x, from * width, xs, 0, rows * width);
        float[] onehot = new float[rows * RaceData.CLASSES];
        for (int i = 0; i < rows; i++) {
            onehot[i * RaceData.CLASSES + y[from + i]] = 1f;
        }
        return new DataSet(Nd4j.create(xs, new long[] {rows, width}, 'c'),
                Nd4j.create(onehot, new long[] {rows, RaceData.CLASSES}, 'c'));
    }

    /** The batches of one epoch in the race's shuffled order. */
    private static List<DataSet> batches(DataSet all, int n, int batch, long seed) {
        int[] order = RaceData.shuffle(n, seed);
        List<DataSet> out = new ArrayList<>();
        for (int from = 0; from < n; from += batch) {
            int rows = Math.min(batch, n - from);
            int[] idx = new int[rows];
            System.arraycopy(order, from, idx, 0, rows);
            out.add(new DataSet(all.getFeatures().getRows(idx), all.getLabels().getRows(idx)));
        }
        return out;
    }

    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]);
        Path prepared = Path.of(args[1]);
        int batch = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        int cachedEpochs = Integer.parseInt(args[4]);
        int uncachedEpochs = Integer.parseInt(args[5]);
        Nd4j.getMemoryManager().togglePeriodicGc(false);

        long t = System.nanoTime();
        RaceData.Split train = RaceData.read(dataDir, "train");
        RaceData.Split test = RaceData.read(dataDir, "t10k");
        RaceReport report = new RaceReport("dl4j", "DL4J 1.0.0-M2.1 nd4j-native linux-x86_64, OMP_NUM_THREADS="
                + System.getenv("OMP_NUM_THREADS") + " OMP_WAIT_POLICY=" + System.getenv("OMP_WAIT_POLICY")
                + ", workspaces ENABLED, periodic GC off", batch, threads, train.n());
        DataSet trainAll = dataSet(train.x(), train.y(), 0, train.n(), 784);
        DataSet testAll = dataSet(test.x(), test.y(), 0, test.n(), 784);
        report.put("loadDataMs", RaceReport.millisSince(t));

        t = System.nanoTime();
        float[][] w = RaceData.readWeights(prepared.resolve("weights.bin"));
        MultiLayerNetwork net = transferred(w);
        TransferLearningHelper helper = new TransferLearningHelper(net);
        report.put("loadModelMs", RaceReport.millisSince(t));

        t = System.nanoTime();
        List<DataSet> featurized = new ArrayList<>();
        for (int from = 0; from < train.n(); from += FEATURIZE_BATCH) {
            int rows = Math.min(FEATURIZE_BATCH, train.n() - from);
            featurized.add(helper.featurize(dataSet(train.x(), train.y(), from, rows, 784)));
        }
        DataSet trainFeatures = DataSet.merge(featurized);
        double featurizeMs = RaceReport.millisSince(t);
        report.put("featurizeMs", featurizeMs);
        report.put("featurizeSamplesPerSec", train.n() / (featurizeMs / 1e3));
        DataSet testFeatures = helper.featurize(testAll);
        MultiLayerNetwork top = helper.unfrozenMLN();
        top.setListeners(new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                report.batchDone(model.score());
            }
        });
        for (int e = 1; e <= cachedEpochs; e++) {
            long start = System.nanoTime();
            List<DataSet> epoch = batches(trainFeatures, train.n(), batch, 7L * 31 + e);
            helper.fitFeaturized(new ExistingDataSetIterator(epoch));
            report.cachedEpoch(RaceReport.millisSince(start));
        }
        INDArray logits = top.output(testFeatures.getFeatures());
        report.put("testAccuracy", RaceReport.accuracy(logits.data().asFloat(), test.y(), test.n(), RaceData.CLASSES));

        MultiLayerNetwork fresh = transferred(w);
        double last = 0;
        for (int e = 1; e <= uncachedEpochs; e++) {
            long start = System.nanoTime();
            fresh.fit(new ExistingDataSetIterator(batches(trainAll, train.n(), batch, 7L * 31 + e)));
            last = RaceReport.millisSince(start);
        }
        report.put("uncachedEpochMs", last);
        report.print();
    }
}
