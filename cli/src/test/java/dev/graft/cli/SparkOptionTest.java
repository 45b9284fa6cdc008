package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** graft.jar carries no Spark: featurize --spark explains the spark-submit line instead of failing obscurely. */
class SparkOptionTest {

    @Test
    void sparkWithoutSparkOnTheClassPathGivesTheSparkSubmitLine(@TempDir Path dir) {
        Path model = dir.resolve("m.safetensors");
        Cli.Run run = Cli.run("featurize", model, "--spark", "local[2]", "--data", dir.resolve("in.parquet"),
                "--out", dir.resolve("features.parquet"));
        assertNotEquals(0, run.code(), run::toString);
        String err = run.err();
        assertTrue(err.contains("--spark needs Apache Spark and graft-spark.jar"), err);
        assertTrue(err.contains("spark-submit --master local[2] --class dev.graft.spark.SparkFeaturize graft-spark.jar "
                + model + " --data " + dir.resolve("in.parquet") + " --out " + dir.resolve("features.parquet")), err);
    }
}
