package dev.graft.cli;

import dev.graft.Model;
import dev.graft.cache.Featurizer;
import dev.graft.data.Dataset;
import dev.graft.io.TempFiles;
import dev.graft.spi.Backend;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code graft featurize}: run a model's lower layers over a dataset once and write their outputs
 * (the bottleneck features) as CSV, e.g. to train a head elsewhere, or with {@code graft train}.
 */
@Command(name = "featurize", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run the layers up to --through over a dataset (inference mode) and write their outputs as CSV: "
                + "a 'label' column, then one column per unit.")
final class FeaturizeCommand extends BaseCommand {

    @Parameters(paramLabel = "MODEL", description = "The model (any format 'graft inspect' reads).")
    Path model;

    @Option(names = "--through", paramLabel = "LAYER",
            description = "The top layer whose outputs are written (default: the top frozen layer, else the layer below the output).")
    String through;

    @Mixin
    DataOptions data;

    @Option(names = "--split", paramLabel = "train|test", defaultValue = "train",
            description = "For an IDX directory: train-* or t10k-* (test) files (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--out", paramLabel = "FILE.csv", required = true, description = "Where to write the features.")
    Path out;

    @Mixin
    BackendOption backend;

    @Option(names = "--spark", paramLabel = "MASTER",
            description = "Run on Apache Spark (e.g. local[2], yarn): --data and --out are Parquet tables. Needs Spark and "
                    + "graft-spark.jar on the class path; otherwise use spark-submit (see 'graft featurize --help').")
    String spark;

    @Override
    int run() throws Exception {
        if (spark != null) {
            return SparkLaunch.featurize(spark, model, data.data, out, through, backend.name, out());
        }
        OutputPaths.checkFile("--out", out);
        Model m = ModelFiles.load(model).model();
        int top = topIndex(m);
        Model prefix = m.slice(0, top + 1);
        Dataset samples = data.load(split.equalsIgnoreCase("test") ? "t10k" : "train");
        Checks.dataFitsInput(prefix, samples, "--data");
        float[] features;
        String description;
        long start = System.nanoTime();
        try (Backend b = backend.open()) {
            description = b.name() + " (" + b.description() + ")";
            features = Featurizer.outputs(prefix, samples, b, Featurizer.DEFAULT_BATCH);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        writeCsv(out, samples, features, prefix.outputWidth());
        if (json()) {
            Map<String, Object> j = Json.object();
            j.put("command", "featurize");
            j.put("through", m.layer(top).name());
            j.put("samples", samples.size());
            j.put("width", prefix.outputWidth());
            j.put("seconds", seconds);
            j.put("backend", description);
            j.put("out", out.toString());
            out().println(Json.write(j));
        } else {
            out().printf("%d samples through %s (%d -> %d) on %s in %s%nwrote %s%n", samples.size(), m.layer(top).name(),
                    prefix.inputWidth(), prefix.outputWidth(), description, Tables.seconds(seconds), out);
        }
        return 0;
    }

    private int topIndex(Model m) {
        if (through != null) {
            if (m.find(through).isEmpty()) {
                throw new CliException("--through " + through + ": " + model + " has no layer named '" + through + "'",
                        "its layers are " + String.join(", ", m.names()));
            }
            return m.indexOf(through);
        }
        int frozen = m.frozenPrefixLength();
        return frozen > 0 ? frozen - 1 : Math.max(0, m.size() - 2);
    }

    /** {@code label,f0,f1,...}, one row per sample; written to a temporary file ({@link TempFiles}) and renamed into place. */
    static void writeCsv(Path file, Dataset data, float[] features, int width) throws IOException {
        Path absolute = file.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        TempFiles.sweep(absolute.getParent());
        Path tmp = TempFiles.createFile(absolute);
        try {
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                StringBuilder line = new StringBuilder("label");
                for (int j = 0; j < width; j++) {
                    line.append(",f").append(j);
                }
                w.write(line.append('\n').toString());
                for (int s = 0; s < data.size(); s++) {
                    line.setLength(0);
                    line.append(data.label(s));
                    for (int j = 0; j < width; j++) {
                        line.append(',').append(features[s * width + j]);
                    }
                    w.write(line.append('\n').toString());
                }
            }
            Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // "No space left on device" names no file
            throw e instanceof java.nio.file.FileSystemException ? e
                    : new IOException("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
