package dev.graft.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Backends;
import dev.graft.Model;
import dev.graft.cache.Featurizer;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkException;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class GraftFeaturizerTest {

    private static final Model MLP = SparkTests.seedMlp(784, 10);

    /**
     * Spark's features, row by row in id order, against Featurizer.outputs (the graft featurize path) on one
     * machine with the same batch size: 280 rows in 3 partitions that do not line up with the 40-row batches.
     */
    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu"})
    void featuresEqualSingleMachineBitForBit(String backendName) throws Exception {
        SparkTests.assumeBackend(backendName);
        dev.graft.data.Dataset data = SparkTests.fashion("t10k").head(280);
        Model prefix = MLP.slice(0, 2);
        float[] expected;
        try (Backend b = Backends.open(backendName, BackendOptions.defaults())) {
            expected = Featurizer.outputs(prefix, data, b, 40);
        }
        GraftFeaturizer featurizer = new GraftFeaturizer().setModel(MLP).setInputCol("features").setOutputCol("f")
                .setBatchSize(40).setBackend(backendName);
        assertEquals(prefix.toString(), featurizer.featurizingPrefix().toString(), "default cut: the top frozen layer");
        List<Row> rows = featurizer.transform(SparkTests.vectors(data, 3)).select("id", "f").orderBy("id").collectAsList();
        assertEquals(data.size(), rows.size());
        int width = prefix.outputWidth();
        for (Row row : rows) {
            int id = (int) row.getLong(0);
            Vector v = (Vector) row.get(1);
            assertEquals(width, v.size());
            for (int j = 0; j < width; j++) {
                float got = (float) v.apply(j);
                if (Float.floatToRawIntBits(got) != Float.floatToRawIntBits(expected[id * width + j])) {
                    throw new AssertionError("row " + id + " feature " + j + ": spark " + got + " vs one machine "
                            + expected[id * width + j] + " on " + backendName);
                }
            }
        }
    }

    @Test
    void widthMismatchFailsBeforeAnyTaskRuns() {
        StructType schema = new StructType().add("id", DataTypes.LongType, false)
                .add(new AttributeGroup("pixels", 500).toStructField());
        Dataset<Row> data = SparkTests.spark().createDataFrame(List.of(), schema);
        String group = "width-check-" + System.nanoTime();
        SparkTests.spark().sparkContext().setJobGroup(group, "width check", false);
        try {
            GraftFeaturizer featurizer = new GraftFeaturizer().setModel(MLP).setInputCol("pixels");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> featurizer.transform(data));
            assertTrue(e.getMessage().contains("input column 'pixels' has 500 values per row")
                    && e.getMessage().contains("input layer 'hidden1' takes 784"), e.getMessage());
            assertEquals(0, SparkTests.spark().sparkContext().statusTracker().getJobIdsForGroup(group).length,
                    "no job may run before the width check");
        } finally {
            SparkTests.spark().sparkContext().clearJobGroup();
        }
    }

    @Test
    void arrayColumnWidthIsCheckedFromItsFirstRow() {
        StructType schema = new StructType().add("x", DataTypes.createArrayType(DataTypes.FloatType), false);
        Dataset<Row> data = SparkTests.spark().createDataFrame(List.of(RowFactory.create((Object) new Float[] {1f, 2f, 3f})), schema);
        GraftFeaturizer featurizer = new GraftFeaturizer().setModel(MLP).setInputCol("x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> featurizer.transform(data));
        assertTrue(e.getMessage().contains("input column 'x' has 3 values per row"), e.getMessage());
    }

    /** 100 rows sliced into 4 partitions of 25 by parallelize: id 37 is row 12 of partition 1. */
    @Test
    void nanRowIsReportedWithItsPartitionIndexAndId() {
        int width = 784;
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Double[] x = new Double[width];
            for (int j = 0; j < width; j++) {
                x[j] = (double) ((i + j) % 7) / 7;
            }
            if (i == 37) {
                x[5] = Double.NaN;
            }
            rows.add(RowFactory.create((long) i, (Object) x));
        }
        StructType schema = new StructType().add("id", DataTypes.LongType, false)
                .add("x", DataTypes.createArrayType(DataTypes.DoubleType), false);
        Dataset<Row> data = SparkTests.spark().createDataFrame(SparkTests.jsc().parallelize(rows, 4), schema);
        GraftFeaturizer featurizer = new GraftFeaturizer().setModel(MLP).setInputCol("x").setRowIdCol("id")
                .setBatchSize(8).setBackend("reference");
        SparkException e = assertThrows(SparkException.class, () -> featurizer.transform(data).count());
        String message = messages(e);
        assertTrue(message.contains("holds NaN at value 5 of row 12 of partition 1 (id = 37)"), message);
        assertEquals(0, GraftSeam.openRunners(), "the failed task's backend must be closed");
    }

    /** Many small partitions, some empty: each non-empty one opens one runner and every runner is closed. */
    @Test
    void manySmallPartitionsLeakNothing() throws Exception {
        dev.graft.data.Dataset data = SparkTests.fashion("t10k").head(30);
        int partitions = 48;
        Dataset<Row> input = SparkTests.vectors(data, partitions);
        long nonEmpty = input.javaRDD().mapPartitions(it -> List.of(it.hasNext() ? 1 : 0).iterator())
                .collect().stream().mapToInt(Integer::intValue).sum();
        int openedBefore = GraftSeam.runnersOpened();
        GraftFeaturizer featurizer = new GraftFeaturizer().setModel(MLP).setBatchSize(4).setBackend("reference");
        assertEquals(data.size(), featurizer.transform(input).count());
        assertEquals(nonEmpty, GraftSeam.runnersOpened() - openedBefore, "one runner per non-empty partition");
        assertTrue(nonEmpty < partitions, "the data must leave some partitions empty");
        assertEquals(0, GraftSeam.openRunners(), "every partition's backend must be closed when it ends");
    }

    private static String messages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getMessage()).append('\n');
        }
        return sb.toString();
    }
}
