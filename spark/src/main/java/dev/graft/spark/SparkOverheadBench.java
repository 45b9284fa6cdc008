package dev.graft.spark;

import dev.graft.Activation;
import dev.graft.Backends;
import dev.graft.Model;
import dev.graft.cache.Featurizer;
import dev.graft.data.Idx;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * End-to-end comparison of {@link GraftFeaturizer} on a Spark master (default {@code local[2]})
 * against single-machine featurizing ({@code Featurizer.outputs}, the {@code graft featurize}
 * path) of the same rows through the same frozen layers on the same backend, measured side by
 * side in one JVM. Prints the median of {@code --repeats} runs each, the Spark overhead ratio and
 * the per-row cost.
 *
 * <pre>
 * java $SPARK_ADD_OPENS -cp spark/target/graft-spark.jar:SPARK_JARS dev.graft.spark.SparkOverheadBench \
 *     --data /work/shared/data/fashion-mnist --rows 60000 --repeats 5 --master local[2] --backend cpu
 * </pre>
 *
 * The model is the seed question's MLP shape on 784 inputs (hidden1 300, hidden2 100 frozen, random
 * weights: the cost does not depend on their values). The input DataFrame is cached and counted
 * before timing, so the Spark time is featurizing plus task and row (de)serialisation overhead, not
 * reading the data.
 */
public final class SparkOverheadBench {

    private SparkOverheadBench() {
    }

    public static void main(String[] args) throws Exception {
        String dataDir = "/work/shared/data/fashion-mnist";
        int rows = 60_000;
        int repeats = 5;
        String master = "local[2]";
        String backend = "cpu";
        int partitions = 0;
        int batch = Featurizer.DEFAULT_BATCH;
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--data" -> dataDir = v;
                case "--rows" -> rows = Integer.parseInt(v);
                case "--repeats" -> repeats = Integer.parseInt(v);
                case "--master" -> master = v;
                case "--backend" -> backend = v;
                case "--partitions" -> partitions = Integer.parseInt(v);
                case "--batch" -> batch = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        dev.graft.data.Dataset all = Idx.readSplit(Path.of(dataDir), "train", 10);
        dev.graft.data.Dataset data = all.head(Math.min(rows, all.size()));
        Model mlp = Model.builder(784, 42).dense("hidden1", 300, Activation.RELU).dense("hidden2", 100, Activation.RELU)
                .dense("output", 10, Activation.IDENTITY).build();
        mlp = mlp.with(0, mlp.layer(0).withTrainable(false)).with(1, mlp.layer(1).withTrainable(false));
        Model prefix = mlp.slice(0, 2);

        SparkSession spark = SparkSession.builder().master(master).appName("graft spark overhead")
                .config("spark.ui.enabled", "false").getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        int cores = spark.sparkContext().defaultParallelism();
        int slices = partitions > 0 ? partitions : cores * 4;
        Dataset<Row> input = vectors(spark, data, slices).cache();
        input.count();

        double[] single1 = new double[repeats];
        double[] singleN = new double[repeats];
        double[] onSpark = new double[repeats];
        GraftFeaturizer featurizer = new GraftFeaturizer().setModel(mlp).setBackend(backend).setBatchSize(batch);
        for (int r = 0; r < repeats; r++) {
            single1[r] = single(prefix, data, backend, 1, batch);
            singleN[r] = single(prefix, data, backend, cores, batch);
            long start = System.nanoTime();
            featurizer.transform(input).write().format("noop").mode("overwrite").save();
            onSpark[r] = (System.nanoTime() - start) / 1e9;
        }
        double s1 = median(single1);
        double sN = median(singleN);
        double sp = median(onSpark);
        System.out.printf("rows %d, model %s -> %s, backend %s, batch %d, master %s (%d cores), %d partitions, median of %d%n",
                data.size(), prefix.layer(0).name(), prefix.layer(prefix.size() - 1).name(), backend, batch, master, cores,
                slices, repeats);
        System.out.printf("single machine, 1 thread:   %8.3f s  %8.2f us/row%n", s1, s1 / data.size() * 1e6);
        System.out.printf("single machine, %d threads:  %8.3f s  %8.2f us/row%n", cores, sN, sN / data.size() * 1e6);
        System.out.printf("GraftFeaturizer on %s: %8.3f s  %8.2f us/row (%d tasks, 1 backend thread each)%n", master, sp,
                sp / data.size() * 1e6, slices);
        System.out.printf("Spark overhead ratio, Spark / single machine with the same %d cores: %.2f%n", cores, sp / sN);
        System.out.printf("Spark overhead ratio, Spark / single machine on 1 thread: %.2f (ideal with %d cores: %.2f)%n",
                sp / s1, cores, 1.0 / cores);
        System.out.printf("per-row cost on Spark: %.2f core-us/row; N executors x c cores take about "
                + "fixed job overhead + rows x %.2f us / (N x c)%n", sp / data.size() * 1e6 * cores, sp / data.size() * 1e6 * cores);
        spark.stop();
    }

    private static double single(Model prefix, dev.graft.data.Dataset data, String backend, int threads, int batch) {
        try (Backend b = Backends.open(backend, BackendOptions.defaults().withThreads(threads))) {
            long start = System.nanoTime();
            Featurizer.outputs(prefix, data, b, batch);
            return (System.nanoTime() - start) / 1e9;
        }
    }

    private static Dataset<Row> vectors(SparkSession spark, dev.graft.data.Dataset data, int slices) {
        List<Row> rows = new ArrayList<>(data.size());
        float[] x = new float[data.width()];
        for (int i = 0; i < data.size(); i++) {
            data.copyFeatures(i, x, 0);
            double[] d = new double[x.length];
            for (int j = 0; j < x.length; j++) {
                d[j] = x[j];
            }
            rows.add(RowFactory.create((long) i, Vectors.dense(d)));
        }
        StructType schema = new StructType().add("id", DataTypes.LongType, false)
                .add("features", SQLDataTypes.VectorType(), false);
        return spark.createDataFrame(
                org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, slices),
                schema);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
