package dev.graft.spark;

import dev.graft.Activation;
import dev.graft.Backends;
import dev.graft.Model;
import dev.graft.data.Idx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Assumptions;

/** One embedded {@code local[2]} session for every test class, and the data and models the tests share. */
final class SparkTests {

    private static SparkSession session;

    private SparkTests() {
    }

    static synchronized SparkSession spark() {
        if (session == null) {
            session = SparkSession.builder().master("local[2]").appName("graft-spark-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "4")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.task.maxFailures", "1")
                    .getOrCreate();
            session.sparkContext().setLogLevel("ERROR");
        }
        return session;
    }

    static JavaSparkContext jsc() {
        return JavaSparkContext.fromSparkContext(spark().sparkContext());
    }

    /** The Fashion-MNIST subset committed at data/fashion-mnist ({@code train}: 10,000, {@code t10k}: 2,000). */
    static dev.graft.data.Dataset fashion(String split) throws IOException {
        String configured = System.getProperty("graft.repoRoot");
        Path root = configured != null ? Path.of(configured) : Path.of("..").toAbsolutePath().normalize();
        Path dir = root.resolve("data/fashion-mnist");
        Assumptions.assumeTrue(Files.isDirectory(dir), "no bundled Fashion-MNIST at " + dir);
        return Idx.readSplit(dir, split, 10);
    }

    /** The seed question's MLP shape on 784 inputs: hidden1, hidden2 frozen; hidden3 and output trainable. */
    static Model seedMlp(int inputs, int classes) {
        Model m = Model.builder(inputs, 42)
                .dense("hidden1", 300, Activation.RELU)
                .dense("hidden2", 100, Activation.RELU)
                .dense("hidden3", 50, Activation.RELU)
                .dense("output", classes, Activation.IDENTITY)
                .build();
        return m.with(0, m.layer(0).withTrainable(false)).with(1, m.layer(1).withTrainable(false));
    }

    /** Skips (with the probe's reason) when the named backend cannot run here. */
    static void assumeBackend(String name) {
        var candidate = Backends.find(name);
        Assumptions.assumeTrue(candidate.availability().available(),
                () -> "backend " + name + " unavailable: " + candidate.availability().reason());
    }

    static StructType vectorSchema() {
        return new StructType().add("id", DataTypes.LongType, false).add("label", DataTypes.DoubleType, false)
                .add("features", SQLDataTypes.VectorType(), false);
    }

    /** {@code data} as rows (id, label, features vector) in {@code partitions} slices, in order. */
    static Dataset<Row> vectors(dev.graft.data.Dataset data, int partitions) {
        List<Row> rows = new ArrayList<>();
        float[] x = new float[data.width()];
        for (int i = 0; i < data.size(); i++) {
            data.copyFeatures(i, x, 0);
            double[] d = new double[x.length];
            for (int j = 0; j < x.length; j++) {
                d[j] = x[j];
            }
            rows.add(RowFactory.create((long) i, (double) data.label(i), Vectors.dense(d)));
        }
        return spark().createDataFrame(jsc().parallelize(rows, partitions), vectorSchema());
    }
}
