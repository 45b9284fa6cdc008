package dev.graft.cli;

import dev.graft.Model;
import dev.graft.data.Dataset;
import dev.graft.spi.Backend;
import dev.graft.train.Evaluation;
import dev.graft.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code graft evaluate MODEL --data ...}: accuracy, loss and the confusion matrix. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score a model on labelled data: accuracy, mean softmax cross-entropy, confusion matrix "
                + "(--json adds per-class precision, recall and F1, macro F1 and top-k accuracy).",
            "--classes: the list a model was trained with renumbers the data the same way; fewer classes than the model "
                    + "has outputs select samples and keep the model's class numbers."})
final class EvaluateCommand extends BaseCommand {

    @Parameters(paramLabel = "MODEL", description = "The model (any format 'graft inspect' reads).")
    Path model;

    @Mixin
    DataOptions data;

    @Option(names = "--split", paramLabel = "train|test", defaultValue = "test",
            description = "For an IDX directory: the t10k-* (test) or train-* files (default: ${DEFAULT-VALUE}; "
                    + "train when the directory has no test files).")
    String split;

    @Mixin
    BackendOption backend;

    @Override
    int run() throws Exception {
        Model m = ModelFiles.load(model).model();
        boolean renumbered = classesRenumbered(m.outputWidth());
        data.keepClassNumbers = !renumbered;
        data.images.refuseAugmentation("evaluate");
        Dataset samples = data.load(idxPrefix());
        Checks.dataFitsModel(m, samples, "--data");
        Evaluation e;
        String description;
        try (Backend b = backend.open()) {
            description = b.name() + " (" + b.description() + ")";
            e = Trainer.builder(b).build().evaluate(m, samples);
        }
        List<String> names = classNames(m.outputWidth(), renumbered);
        if (json()) {
            Map<String, Object> j = Json.object();
            j.put("command", "evaluate");
            j.put("model", model.toString());
            j.put("backend", description);
            j.put("classes", names);
            j.putAll(Json.evaluation(e));
            j.put("recall", java.util.Arrays.stream(e.recallPerClass()).mapToObj(Json::number).toList());
            j.put("precision", java.util.Arrays.stream(e.precisionPerClass()).mapToObj(Json::number).toList());
            j.put("f1", java.util.Arrays.stream(e.f1PerClass()).mapToObj(Json::number).toList());
            j.put("macroF1", Json.number(e.macroF1()));
            if (e.classes() > 2) {
                j.put("top" + Math.min(5, e.classes() - 1) + "Accuracy", Json.number(e.topKAccuracy(Math.min(5, e.classes() - 1))));
            }
            out().println(Json.write(j));
            return 0;
        }
        out().printf("%s on %d samples of %s, backend %s%n", model, e.samples(), data.data, description);
        out().printf("accuracy %s, loss %s%n%n", Tables.percent(e.accuracy()), Tables.decimal(e.loss()));
        out().print(Tables.confusion(e, names));
        return 0;
    }

    private String idxPrefix() {
        boolean wantTest = !split.equalsIgnoreCase("train");
        if (!split.equalsIgnoreCase("train") && !split.equalsIgnoreCase("test")) {
            throw new CliException("--split must be train or test, got '" + split + "'", null);
        }
        if (wantTest && Files.isDirectory(data.data) && !ImageOptions.isImageFolder(data.data) && !Files.exists(data.data.resolve("t10k-images-idx3-ubyte.gz"))
                && !Files.exists(data.data.resolve("t10k-images-idx3-ubyte"))) {
            note("no t10k-* files in " + data.data + ": evaluating on its train-* files");
            return "train";
        }
        return wantTest ? "t10k" : "train";
    }

    /**
     * What {@code --classes} means here. A model trained with {@code --classes} has one output per listed class,
     * in the order listed: the same list renumbers the data the same way (output 0 is the first class listed).
     * Fewer classes than outputs select samples of a model that predicts the original classes: their numbers are
     * kept, so accuracy, matrix and header all speak of the same classes.
     */
    private boolean classesRenumbered(int outputs) {
        if (data.classes == null || data.classes.length == 0) {
            return false;
        }
        if (data.classes.length == outputs) {
            return true;
        }
        int max = java.util.Arrays.stream(data.classes).max().getAsInt();
        if (max >= outputs) {
            throw new CliException("--classes " + join(data.classes) + ": the model has " + outputs + " outputs (classes 0.."
                    + (outputs - 1) + ")", "give the --classes the model was trained with (" + outputs + " classes, one per "
                    + "output), or classes below " + outputs + " to score a subset in the model's own numbering");
        }
        return false;
    }

    private static String join(int[] values) {
        return java.util.Arrays.stream(values).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(","));
    }

    /**
     * The original class numbers when --classes renumbered them, else the model's own 0..; an image
     * folder's class (subfolder) names where it has them.
     */
    private List<String> classNames(int width, boolean renumbered) {
        List<String> names = new ArrayList<>();
        List<String> folders = data.images.classNames;
        for (int c = 0; c < width; c++) {
            int original = renumbered ? data.classes[c] : c;
            names.add(folders != null && original < folders.size() ? folders.get(original) : Integer.toString(original));
        }
        return names;
    }
}
