package dev.graft.spark;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code spark-submit} entry point: featurize a table with a Graft model and write the features as
 * Parquet. {@code graft featurize --spark MASTER} calls {@link #run} when Spark and this jar are on
 * its class path.
 *
 * <pre>
 * spark-submit --master yarn --class dev.graft.spark.SparkFeaturize graft-spark.jar \
 *     MODEL --data in.parquet --out features.parquet [--input-col features] [--through LAYER]
 *     [--batch 256] [--backend cpu|cuda|tf|reference] [--master local[2]] [--overwrite]
 * </pre>
 *
 * The output is written beside {@code --out} under a temporary name and renamed into place when
 * complete, so a failed job never leaves a half-written table where one was asked for.
 */
public final class SparkFeaturize {

    static final String USAGE = "usage: SparkFeaturize MODEL --data IN.parquet --out OUT.parquet [--input-col COL] "
            + "[--output-col COL] [--through LAYER] [--batch N] [--backend NAME] [--master URL] [--overwrite]";

    private SparkFeaturize() {
    }

    public static void main(String[] args) {
        int code;
        try {
            code = run(args, new PrintWriter(System.out, true));
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            code = 2;
        }
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs the job; returns the exit code (0: done, 2: bad arguments). */
    public static int run(String[] args, PrintWriter out) {
        Options o = Options.parse(args);
        SparkSession.Builder builder = SparkSession.builder().appName("graft featurize");
        if (o.master != null) {
            builder = builder.master(o.master);
        }
        SparkSession spark = builder.getOrCreate();
        long start = System.nanoTime();
        Dataset<Row> input = spark.read().parquet(o.data);
        GraftFeaturizer featurizer = new GraftFeaturizer().setModelPath(o.model).setInputCol(o.inputCol)
                .setOutputCol(o.outputCol).setBatchSize(o.batch).setBackend(o.backend);
        if (o.through != null) {
            featurizer.setCutLayer(o.through);
        }
        Dataset<Row> features = featurizer.transform(input);
        long rows = writeAtomically(spark, features, o.out, o.overwrite);
        double seconds = (System.nanoTime() - start) / 1e9;
        var prefix = featurizer.featurizingPrefix();
        out.printf("%d rows through %s (%d -> %d) on %s in %.1f s%nwrote %s%n", rows,
                prefix.layer(prefix.size() - 1).name(), prefix.inputWidth(), prefix.outputWidth(),
                spark.sparkContext().master(), seconds, o.out);
        out.flush();
        return 0;
    }

    private static long writeAtomically(SparkSession spark, Dataset<Row> features, String out, boolean overwrite) {
        Path target = new Path(out);
        try {
            FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (fs.exists(target) && !overwrite) {
                throw new IllegalArgumentException(out + " already exists; pass --overwrite to replace it");
            }
            Path temp = new Path(target.getParent(), target.getName() + ".tmp-" + UUID.randomUUID());
            try {
                features.write().parquet(temp.toString());
                long rows = spark.read().parquet(temp.toString()).count();
                if (fs.exists(target)) {
                    fs.delete(target, true);
                }
                if (!fs.rename(temp, target)) {
                    throw new IllegalStateException("could not rename " + temp + " to " + target);
                }
                return rows;
            } finally {
                if (fs.exists(temp)) {
                    fs.delete(temp, true);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not write " + out + ": " + e.getMessage(), e);
        }
    }

    /** The command line, parsed by hand to keep this jar free of another dependency. */
    static final class Options {
        String model;
        String data;
        String out;
        String inputCol = "features";
        String outputCol = "graft_features";
        String through;
        int batch = 256;
        String backend = "";
        String master;
        boolean overwrite;

        static Options parse(String[] args) {
            Options o = new Options();
            List<String> positional = new ArrayList<>();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--data" -> o.data = value(args, ++i, a);
                    case "--out" -> o.out = value(args, ++i, a);
                    case "--input-col" -> o.inputCol = value(args, ++i, a);
                    case "--output-col" -> o.outputCol = value(args, ++i, a);
                    case "--through" -> o.through = value(args, ++i, a);
                    case "--backend" -> o.backend = value(args, ++i, a).equalsIgnoreCase("auto") ? "" : args[i];
                    case "--master" -> o.master = value(args, ++i, a);
                    case "--overwrite" -> o.overwrite = true;
                    case "--batch" -> {
                        String v = value(args, ++i, a);
                        try {
                            o.batch = Integer.parseInt(v);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("--batch takes a positive integer, got '" + v + "'");
                        }
                        if (o.batch <= 0) {
                            throw new IllegalArgumentException("--batch takes a positive integer, got " + o.batch);
                        }
                    }
                    default -> {
                        if (a.startsWith("--")) {
                            throw new IllegalArgumentException("unknown option " + a + "; " + USAGE);
                        }
                        positional.add(a);
                    }
                }
            }
            if (positional.size() != 1 || o.data == null || o.out == null) {
                throw new IllegalArgumentException(USAGE);
            }
            o.model = positional.get(0);
            return o;
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value; " + USAGE);
            }
            return args[i];
        }
    }
}
