package dev.graft.cli;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code graft featurize --spark}: Spark is not in graft.jar (a cluster provides its own), so the
 * job is handed to {@code dev.graft.spark.SparkFeaturize} when Spark and graft-spark.jar are on the
 * class path, and otherwise the user is told the spark-submit line that runs it.
 */
final class SparkLaunch {

    static final String ENTRY = "dev.graft.spark.SparkFeaturize";

    private SparkLaunch() {
    }

    static int featurize(String master, Path model, Path data, Path out, String through, String backend, PrintWriter stdout) {
        List<String> args = new ArrayList<>(List.of(model.toString(), "--data", data.toString(), "--out", out.toString()));
        if (through != null) {
            args.addAll(List.of("--through", through));
        }
        if (backend != null && !backend.equalsIgnoreCase("auto")) {
            args.addAll(List.of("--backend", backend));
        }
        Method run;
        try {
            Class.forName("org.apache.spark.sql.SparkSession");
            run = Class.forName(ENTRY).getMethod("run", String[].class, PrintWriter.class);
        } catch (ClassNotFoundException | NoSuchMethodException | LinkageError e) {
            throw new CliException("--spark needs Apache Spark and graft-spark.jar on the class path; graft.jar carries neither",
                    "run it with Spark's launcher: spark-submit --master " + master + " --class " + ENTRY
                            + " graft-spark.jar " + String.join(" ", args));
        }
        args.addAll(List.of("--master", master));
        try {
            return (Integer) run.invoke(null, args.toArray(String[]::new), stdout);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IllegalArgumentException) {
                throw new CliException(cause.getMessage(), null, cause);
            }
            throw new IllegalStateException("the Spark job failed: " + cause, cause);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(ENTRY + ".run is not accessible", e);
        }
    }
}
