package dev.graft.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Backends;
import dev.graft.Model;
import dev.graft.cache.Featurizer;
import dev.graft.loader.ModelFormat;
import dev.graft.loader.Models;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spark-submit entry (what graft featurize --spark runs): Parquet in, Parquet features out. */
class SparkFeaturizeTest {

    @Test
    void parquetInParquetFeaturesOutAsOnOneMachine(@TempDir Path dir) throws Exception {
        dev.graft.data.Dataset data = SparkTests.fashion("t10k").head(50);
        Model model = SparkTests.seedMlp(784, 10);
        Path modelFile = dir.resolve("model.safetensors");
        Models.save(model, modelFile, ModelFormat.GRAFT);
        Path in = dir.resolve("in.parquet");
        Path out = dir.resolve("features.parquet");
        SparkTests.vectors(data, 3).write().parquet(in.toString());
        StringWriter report = new StringWriter();
        String[] args = {modelFile.toString(), "--data", in.toString(), "--out", out.toString(), "--through", "hidden2",
            "--backend", "reference", "--batch", "16"};
        assertEquals(0, SparkFeaturize.run(args, new PrintWriter(report)));
        assertTrue(report.toString().contains("50 rows through hidden2 (784 -> 100)"), report.toString());

        float[] expected;
        try (Backend b = Backends.open("reference", BackendOptions.defaults())) {
            expected = Featurizer.outputs(model.slice(0, 2), data, b, 16);
        }
        List<Row> rows = SparkTests.spark().read().parquet(out.toString()).select("id", "graft_features").collectAsList();
        assertEquals(data.size(), rows.size());
        for (Row row : rows) {
            int id = (int) row.getLong(0);
            Vector v = (Vector) row.get(1);
            for (int j = 0; j < 100; j++) {
                assertEquals(expected[id * 100 + j], (float) v.apply(j), "row " + id + " feature " + j);
            }
        }

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkFeaturize.run(args, new PrintWriter(new StringWriter())));
        assertTrue(e.getMessage().contains("already exists; pass --overwrite"), e.getMessage());
        try (var left = Files.list(dir)) {
            assertFalse(left.anyMatch(p -> p.getFileName().toString().contains(".tmp-")), "no temporary table left behind");
        }
    }
}
