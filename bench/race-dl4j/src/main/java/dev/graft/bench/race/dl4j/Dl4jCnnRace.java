package dev.graft.bench.race.dl4j;

import dev.graft.bench.race.CnnRaceData;
import dev.graft.bench.race.RaceData;
import dev.graft.bench.race.RaceReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
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
 * The CNN race's job in Deeplearning4j 1.0.0-M2.1 (nd4j-native, its oneDNN convolutions), the way
 * its transfer-learning guide writes it: the network with {@code TransferLearning.Builder}'s
 * feature extractor at pool2 (layers 0–7 frozen: DL4J runs a frozen layer in inference mode),
 * {@code TransferLearningHelper.featurize / fitFeaturized} for the cached epochs, {@code fit} of the
 * whole network for the uncached ones. DL4J is channels-first: the images are [n, 1, 28, 28] (the
 * same bytes as channels-last with one channel), the conv kernels are transposed to
 * [out, in, kh, kw] and the dense layer's rows permuted to DL4J's (c, h, w) flattening.
 *
 * <p>Usage: {@code Dl4jCnnRace <fashion-mnist dir> <prepared dir> <batch> <threads> <cached epochs> <uncached epochs>}
 */
public final class Dl4jCnnRace {

    private static final int FEATURIZE_BATCH = 256;
    private static final int POOL2 = 7;

    private Dl4jCnnRace() {
    }

    private static MultiLayerNetwork network(Map<String, float[]> w) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(1).updater(new Sgd(0.01)).dataType(DataType.FLOAT)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .list()
                .layer(conv("conv1", 1, CnnRaceData.FILTERS1))
                .layer(batchNorm("bn1"))
                .layer(new ActivationLayer.Builder().name("relu1").activation(Activation.RELU).build())
                .layer(pool("pool1"))
                .layer(conv("conv2", CnnRaceData.FILTERS1, CnnRaceData.FILTERS2))
                .layer(batchNorm("bn2"))
                .layer(new ActivationLayer.Builder().name("relu2").activation(Activation.RELU).build())
                .layer(pool("pool2"))
                .layer(new DenseLayer.Builder().name("fc").nOut(CnnRaceData.HIDDEN).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("output").nOut(RaceData.CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build());
        net.init();
        setConv(net, 0, w.get("conv1/kernel"), 1, CnnRaceData.FILTERS1);
        setBatchNorm(net, 1, "bn1", w);
        setConv(net, 4, w.get("conv2/kernel"), CnnRaceData.FILTERS1, CnnRaceData.FILTERS2);
        setBatchNorm(net, 5, "bn2", w);
        set(net, 8, "W", channelsFirstRows(w.get("fc/kernel")));
        set(net, 8, "b", w.get("fc/bias"));
        set(net, 9, "W", w.get("output/kernel"));
        set(net, 9, "b", w.get("output/bias"));
        return net;
    }

    private static ConvolutionLayer conv(String name, int in, int out) {
        return new ConvolutionLayer.Builder(3, 3).name(name).nIn(in).nOut(out).stride(1, 1).hasBias(false)
                .convolutionMode(ConvolutionMode.Truncate).activation(Activation.IDENTITY).build();
    }

    private static BatchNormalization batchNorm(String name) {
        return new BatchNormalization.Builder().name(name).eps(CnnRaceData.BN_EPSILON).decay(0.9).useLogStd(false).build();
    }

    private static SubsamplingLayer pool(String name) {
        return new SubsamplingLayer.Builder(PoolingType.MAX).name(name).kernelSize(2, 2).stride(2, 2)
                .convolutionMode(ConvolutionMode.Truncate).build();
    }

    private static void set(MultiLayerNetwork net, int layer, String param, float[] values) {
        long[] shape = net.getLayer(layer).getParam(param).shape();
        net.getLayer(layer).setParam(param, Nd4j.create(values, shape, 'c'));
    }

    /** TF's [kh, kw, in, out] kernel as DL4J's [out, in, kh, kw]. */
    private static void setConv(MultiLayerNetwork net, int layer, float[] k, int in, int out) {
        float[] w = new float[k.length];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                for (int p = 0; p < 9; p++) {
                    w[(o * in + i) * 9 + p] = k[(p * in + i) * out + o];
                }
            }
        }
        set(net, layer, "W", w);
    }

    private static void setBatchNorm(MultiLayerNetwork net, int layer, String name, Map<String, float[]> w) {
        set(net, layer, "gamma", w.get(name + "/gamma"));
        set(net, layer, "beta", w.get(name + "/beta"));
        set(net, layer, "mean", w.get(name + "/moving_mean"));
        set(net, layer, "var", w.get(name + "/moving_variance"));
    }

    /** The dense kernel's rows from (h, w, c) order to DL4J's channels-first flattening (c, h, w). */
    private static float[] channelsFirstRows(float[] k) {
        int side = CnnRaceData.FEATURE_SIDE;
        int c = CnnRaceData.FILTERS2;
        int cols = CnnRaceData.HIDDEN;
        float[] out = new float[k.length];
        for (int ch = 0; ch < c; ch++) {
            for (int p = 0; p < side * side; p++) {
                System.arraycopy(k, (p * c + ch) * cols, out, (ch * side * side + p) * cols, cols);
            }
        }
        return out;
    }

    private static MultiLayerNetwork transferred(Map<String, float[]> w) {
        return new TransferLearning.Builder(network(w))
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Sgd(0.01)).seed(3).build())
                .setFeatureExtractor(POOL2)
                .build();
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

    /** The frozen base's output for every sample, flattened (c, h, w) to rows: what fitFeaturized reads. */
    private static DataSet featurize(TransferLearningHelper helper, RaceData.Split split) {
        List<DataSet> parts = new ArrayList<>();
        for (int from = 0; from < split.n(); from += FEATURIZE_BATCH) {
            int rows = Math.min(FEATURIZE_BATCH, split.n() - from);
            DataSet f = helper.featurize(dataSet(split.x(), split.y(), from, rows, 784));
            parts.add(new DataSet(f.getFeatures().reshape('c', rows, CnnRaceData.FEATURES), f.getLabels()));
        }
        return DataSet.merge(parts);
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
        RaceData.Split train = CnnRaceData.limit(RaceData.read(dataDir, "train"));
        RaceData.Split test = RaceData.read(dataDir, "t10k");
        RaceReport report = new RaceReport("dl4j", "DL4J 1.0.0-M2.1 nd4j-native linux-x86_64, OMP_NUM_THREADS="
                + System.getenv("OMP_NUM_THREADS") + " OMP_WAIT_POLICY=" + System.getenv("OMP_WAIT_POLICY")
                + ", workspaces ENABLED, periodic GC off", batch, threads, train.n());
        DataSet trainAll = dataSet(train.x(), train.y(), 0, train.n(), 784);
        report.put("loadDataMs", RaceReport.millisSince(t));

        t = System.nanoTime();
        Map<String, float[]> w = CnnRaceData.read(prepared.resolve("cnn-weights.bin"));
        TransferLearningHelper helper = new TransferLearningHelper(transferred(w));
        report.put("loadModelMs", RaceReport.millisSince(t));

        t = System.nanoTime();
        long cpu = RaceReport.processCpuNanos();
        DataSet trainFeatures = featurize(helper, train);
        double featurizeMs = RaceReport.millisSince(t);
        report.put("featurizeMs", featurizeMs);
        report.put("featurizeCpuMs", RaceReport.cpuMillisSince(cpu));
        report.put("featurizeSamplesPerSec", train.n() / (featurizeMs / 1e3));
        DataSet testFeatures = featurize(helper, test);
        MultiLayerNetwork top = helper.unfrozenMLN();
        // The helper copies the original's input preprocessors by layer index, so the head's first
        // layer would get the image reshaper of the original's layer 0; its input is already flat.
        top.getLayerWiseConfigurations().setInputPreProcessors(new HashMap<>());
        top.setListeners(new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                report.batchDone(model.score());
            }
        });
        for (int e = 1; e <= cachedEpochs; e++) {
            long start = System.nanoTime();
            cpu = RaceReport.processCpuNanos();
            helper.fitFeaturized(new ExistingDataSetIterator(batches(trainFeatures, train.n(), batch, 7L * 31 + e)));
            report.cachedEpoch(RaceReport.millisSince(start));
            report.cachedEpochCpu(RaceReport.cpuMillisSince(cpu));
        }
        INDArray logits = top.output(testFeatures.getFeatures());
        report.put("testAccuracy", RaceReport.accuracy(logits.data().asFloat(), test.y(), test.n(), RaceData.CLASSES));

        MultiLayerNetwork fresh = transferred(w);
        double last = 0;
        double lastCpu = 0;
        for (int e = 1; e <= uncachedEpochs; e++) {
            long start = System.nanoTime();
            cpu = RaceReport.processCpuNanos();
            fresh.fit(new ExistingDataSetIterator(batches(trainAll, train.n(), batch, 7L * 31 + e)));
            last = RaceReport.millisSince(start);
            lastCpu = RaceReport.cpuMillisSince(cpu);
        }
        report.put("uncachedEpochMs", last);
        report.put("uncachedEpochCpuMs", lastCpu);
        report.print();
    }
}
