package dev.graft.cli;

import dev.graft.Model;
import dev.graft.data.Dataset;
import dev.graft.data.Idx;
import dev.graft.loader.AtomicFiles;
import dev.graft.loader.Datasets;
import dev.graft.loader.data.CsvDatasets;
import dev.graft.predict.ClassScore;
import dev.graft.predict.Predictions;
import dev.graft.predict.Predictor;
import dev.graft.spi.Backend;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code graft predict MODEL --data ... --out preds.csv|.json}: class predictions for unlabelled samples. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a model over samples (labels not needed) and write each sample's predicted class, "
                + "class probabilities and top-k classes as CSV or JSON.",
                "Probabilities are the softmax of the outputs when the model's output layer has no activation "
                        + "(logits: how Graft trains classifiers), the outputs themselves after a softmax layer; "
                        + "for any other output activation the raw outputs are written."})
final class PredictCommand extends BaseCommand {

    @Parameters(paramLabel = "MODEL", description = "The model (any format 'graft inspect' reads).")
    Path model;

    @Option(names = "--data", paramLabel = "PATH", required = true,
            description = "A CSV file of features (one row per sample), an IDX images file, or a directory with "
                    + "MNIST-named IDX files (its t10k-images file, else train-images), or an image folder (images directly "
                    + "inside, or one subfolder per class; rows in sorted path order).")
    Path data;

    @picocli.CommandLine.Mixin
    ImageOptions images = new ImageOptions();

    @Option(names = "--label-column", paramLabel = "NAME|INDEX",
            description = "CSV: a label column to leave out of the features (default: every column is a feature).")
    String labelColumn;

    @Option(names = "--no-header", description = "CSV: the first line is data, not column names.")
    boolean noHeader;

    @Option(names = "--out", paramLabel = "FILE", required = true,
            description = "Where to write the predictions: FILE.csv or FILE.json (written atomically).")
    Path out;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "1",
            description = "Also write each sample's K best classes with their scores (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "256",
            description = "Samples per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Mixin
    BackendOption backend;

    @Override
    int run() throws Exception {
        String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean csv = name.endsWith(".csv");
        if (!csv && !name.endsWith(".json")) {
            throw new CliException("--out " + out + ": the file name must end in .csv or .json", "e.g. --out predictions.csv");
        }
        if (topK < 1 || batch < 1) {
            throw new CliException("--top-k and --batch must be >= 1, got " + topK + " and " + batch, null);
        }
        Model m = ModelFiles.load(model).model();
        Dataset samples = read();
        Checks.dataFitsModel(m, samples, "--data");
        Predictions p;
        String description;
        try (Backend b = backend.open(); Predictor predictor = Predictor.create(m, b, batch)) {
            description = b.name() + " (" + b.description() + ")";
            p = predictor.predict(samples);
        }
        byte[] bytes = (csv ? PredictionFiles.csv(p, topK, images.files) : PredictionFiles.json(p, topK, model.toString(), images.files)).getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(out, bytes);
        if (json()) {
            Map<String, Object> j = Json.object();
            j.put("command", "predict");
            j.put("model", model.toString());
            j.put("backend", description);
            j.put("samples", p.size());
            j.put("outputs", p.kind().name().toLowerCase(Locale.ROOT));
            j.put("out", out.toString());
            out().println(Json.write(j));
        } else {
            out().printf("%d predictions (%s) from %s on %s written to %s%n", p.size(),
                    p.kind() == Predictions.OutputKind.VALUES ? "raw outputs" : "class probabilities", model, description, out);
        }
        return 0;
    }

    private Dataset read() throws IOException {
        if (!Files.exists(data)) {
            throw new CliException("no such file or directory: " + data,
                    "--data takes a CSV file, an IDX images file or a directory of MNIST-named IDX files");
        }
        if (ImageOptions.isImageFolder(data)) {
            images.refuseAugmentation("predict");
            Dataset d = images.read(data, true);
            note("predicting on " + images.summary);
            return d.isLabelled() ? d.withoutLabels() : d;
        }
        if (Files.isDirectory(data)) {
            for (String split : new String[] {"t10k", "train"}) {
                for (String suffix : new String[] {".gz", ""}) {
                    Path images = data.resolve(split + "-images-idx3-ubyte" + suffix);
                    if (Files.isRegularFile(images)) {
                        note("predicting on " + images);
                        return Idx.readImages(images);
                    }
                }
            }
            throw new CliException("no t10k-images-idx3-ubyte[.gz] or train-images-idx3-ubyte[.gz] in " + data, null);
        }
        if (data.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")) {
            CsvDatasets.Options options = labelColumn == null ? CsvDatasets.Options.unlabelled()
                    : CsvDatasets.Options.classification(labelColumn);
            Dataset d = Datasets.csv(data, noHeader ? options.withoutHeader() : options);
            return d.withoutLabels();
        }
        return Idx.readImages(data);
    }

    /** The two output formats. */
    static final class PredictionFiles {

        private PredictionFiles() {
        }

        /** {@code files}: each row's image file (image folders), written as a {@code file} column; null for other data. */
        static String csv(Predictions p, int k, List<String> files) {
            boolean scores = p.kind() != Predictions.OutputKind.VALUES;
            StringBuilder sb = new StringBuilder(files != null ? "sample,file,predicted" : "sample,predicted");
            for (int c = 0; c < p.width(); c++) {
                sb.append(scores ? ",p" : ",out").append(c);
            }
            for (int i = 1; i <= Math.min(k, p.width()) && k > 1; i++) {
                sb.append(",top").append(i).append(",score").append(i);
            }
            sb.append('\n');
            int[] classes = p.classes();
            for (int s = 0; s < p.size(); s++) {
                sb.append(s).append(',');
                if (files != null) {
                    String f = files.get(s);
                    sb.append(f.contains(",") || f.contains("\"") || f.contains("\n") ? '"' + f.replace("\"", "\"\"") + '"' : f).append(',');
                }
                sb.append(classes[s]);
                for (float v : scores ? p.probabilities(s) : p.output(s)) {
                    sb.append(',').append(v);
                }
                if (k > 1) {
                    for (ClassScore cs : p.top(s, k)) {
                        sb.append(',').append(cs.label()).append(',').append(cs.score());
                    }
                }
                sb.append('\n');
            }
            return sb.toString();
        }

        static String json(Predictions p, int k, String model, List<String> files) {
            boolean scores = p.kind() != Predictions.OutputKind.VALUES;
            List<Map<String, Object>> rows = new ArrayList<>();
            int[] classes = p.classes();
            for (int s = 0; s < p.size(); s++) {
                Map<String, Object> row = Json.object();
                row.put("sample", s);
                if (files != null) {
                    row.put("file", files.get(s));
                }
                row.put("predicted", classes[s]);
                row.put(scores ? "probabilities" : "outputs", scores ? p.probabilities(s) : p.output(s));
                if (k > 1) {
                    List<Map<String, Object>> top = new ArrayList<>();
                    for (ClassScore cs : p.top(s, k)) {
                        Map<String, Object> t = Json.object();
                        t.put("class", cs.label());
                        t.put("score", cs.score());
                        top.add(t);
                    }
                    row.put("top", top);
                }
                rows.add(row);
            }
            Map<String, Object> j = Json.object();
            j.put("model", model);
            j.put("outputs", p.kind().name().toLowerCase(Locale.ROOT));
            j.put("predictions", rows);
            return Json.write(j) + "\n";
        }
    }
}
