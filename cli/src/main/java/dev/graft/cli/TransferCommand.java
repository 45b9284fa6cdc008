package dev.graft.cli;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Flatten;
import dev.graft.GlobalAveragePooling2D;
import dev.graft.GlobalMaxPooling2D;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.Shape;
import dev.graft.Transfer;
import dev.graft.data.Dataset;
import dev.graft.spi.Backend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code graft transfer}: the seed question as one command. Copy a trained model up to a layer,
 * freeze its lowest layers, put a fresh head on top, fine-tune with the frozen part's outputs cached,
 * and save the new model. The source model file is only read.
 */
@Command(name = "transfer", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Copy a trained model's lower layers, freeze some, add a new head, and fine-tune on new data "
                + "with the frozen layers' outputs cached.",
                "Defaults differ from the Java API's Trainer/Transfer on purpose (a command should work well unconfigured): "
                        + "here SGD with momentum 0.9, batch 32, a memory cache, 10 %% held out for validation with early "
                        + "stopping, and every copied layer frozen; the Java API defaults to plain SGD 0.01, batch 64, no cache, "
                        + "no validation split, and freezes nothing unless told."})
final class TransferCommand extends BaseCommand {

    @Parameters(paramLabel = "MODEL", description = "The trained model (any format 'graft inspect' reads).")
    Path source;

    @picocli.CommandLine.Option(names = "--architecture", paramLabel = "JSON", description = "With a Keras weights-only "
            + ".h5 file (model.save_weights): the model's architecture, as written by model.to_json().")
    Path architecture;

    @Option(names = "--keep", paramLabel = "LAYER",
            description = "Copy the layers from the input up to and including LAYER (default: all but the top layer).")
    String keep;

    @Option(names = "--freeze", paramLabel = "LAYER",
            description = "Freeze (lock) the layers from the input up to and including LAYER; 'none' to fine-tune every "
                    + "copied layer (default: every copied layer is frozen).")
    String freeze;

    @Option(names = "--pool", paramLabel = "avg|max|flatten",
            description = "When the kept layer gives images ([h, w, c] per sample, e.g. a MobileNet block): put a global "
                    + "average or max pooling, or a flatten, on it before the new layers. It is frozen when the kept layer "
                    + "is, so the cache holds the pooled features.")
    String pool;

    @Option(names = "--head", paramLabel = "UNITS[:ACT]", required = true,
            description = "The new output layer, e.g. 5 (logits) or 5:softmax.")
    String head;

    @Option(names = "--head-hidden", paramLabel = "UNITS[,ACT]",
            description = "A new hidden layer under the head, e.g. 64,relu (repeatable; default activation relu).")
    List<String> headHidden = new ArrayList<>();

    @Mixin
    TrainingDataOptions data;

    @Mixin
    TrainingOptions training;

    @Mixin
    CacheOption cache;

    @Mixin
    BackendOption backend;

    @Mixin
    ModelOutputOptions outputs;

    @Override
    int run() throws Exception {
        outputs.check();
        training.check();
        Model original = ModelFiles.load(source, architecture).model();
        Model transferred = surgery(original);
        Dataset train = data.train(training);
        Dataset testData = data.test();
        TrainingRun.Outcome outcome;
        try (Backend b = backend.open()) {
            outcome = TrainingRun.run(this, "transfer", b, transferred, train, testData, training, cache.open());
        }
        ModelOutputOptions.Written written = outputs.write(outcome.model());
        if (json()) {
            Map<String, Object> m = Json.object();
            m.put("command", "transfer");
            m.put("source", source.toString());
            m.put("frozen", frozenNames(transferred));
            m.put("cache", cache.describe());
            m.putAll(TrainingRun.json(outcome, training.plot));
            written.putJson(m);
            out().println(Json.write(m));
            return 0;
        }
        out().println("source: " + source + " " + outline(original));
        out().println("new model: " + outline(transferred));
        out().printf("frozen: %s; trainable parameters %d of %d; cache: %s%n", frozenText(frozenNames(transferred)),
                transferred.trainableParameterCount(), transferred.parameterCount(), cache.describe());
        data.printImages(out(), training);
        TrainingRun.print(out(), outcome);
        written.print(out(), training.plot);
        return 0;
    }

    /** The new model; layer names are checked against the source with a message listing the real ones. */
    Model surgery(Model original) {
        if (original.size() < 2 && keep == null) {
            throw new CliException("the model has a single layer '" + original.layer(0).name() + "'",
                    "say which to keep with --keep " + original.layer(0).name());
        }
        String keepName = keep != null ? keep : original.layer(original.size() - 2).name();
        checkLayer(original, "--keep", keepName);
        Transfer t = Transfer.from(original).keepThrough(keepName).seed(training.seed);
        if (freeze == null) {
            t.freezeThrough(keepName);
        } else if (!freeze.equalsIgnoreCase("none")) {
            checkLayer(original, "--freeze", freeze);
            if (original.indexOf(freeze) > original.indexOf(keepName)) {
                throw new CliException("--freeze " + freeze + " is above --keep " + keepName,
                        "freeze a layer at or below " + keepName);
            }
            t.freezeThrough(freeze);
        } else {
            t.unfreezeAll();
        }
        int top = original.indexOf(keepName);
        // New layers are named apart from the kept ones (a dropped layer's name is free again).
        List<String> names = new ArrayList<>(Transfer.from(original).keepThrough(keepName).build().names());
        Shape cut = original.layer(top).outputShape();
        boolean cutFrozen = freeze == null || (!freeze.equalsIgnoreCase("none") && freeze.equals(keepName));
        Layer pooling = pooling(cut, unique(names, "pool"), cutFrozen);
        if (pooling != null) {
            t.add(pooling);
            cut = pooling.outputShape();
        } else if (cut.rank() != 1) {
            throw new CliException("--keep " + keepName + " gives " + cut + " per sample, and the new dense layers take a vector",
                    "add --pool avg (global average pooling, as Keras applications do), --pool max or --pool flatten");
        }
        List<Dense.Spec> added = new ArrayList<>();
        for (int i = 0; i < headHidden.size(); i++) {
            String name = unique(names, "head_hidden" + (i + 1));
            added.add(LayerSpecs.dense("--head-hidden", name, headHidden.get(i), Activation.RELU));
        }
        added.add(LayerSpecs.dense("--head", unique(names, "output"), head, Activation.IDENTITY));
        Checks.newLayersFit(headHidden.isEmpty() ? "--head" : "--head/--head-hidden", cut.size(), added);
        added.forEach(t::add);
        return t.build();
    }

    /** The --pool layer for a kept layer giving {@code cut}, or null without --pool. */
    private Layer pooling(Shape cut, String name, boolean frozen) {
        if (pool == null) {
            return null;
        }
        if (cut.rank() != 3 && !pool.equals("flatten")) {
            throw new CliException("--pool " + pool + ": the kept layer gives " + cut + " per sample, not an image [h, w, c]",
                    "leave out --pool");
        }
        return switch (pool) {
            case "avg" -> new GlobalAveragePooling2D(name, cut, !frozen);
            case "max" -> new GlobalMaxPooling2D(name, cut, !frozen);
            case "flatten" -> new Flatten(name, cut, !frozen);
            default -> throw new CliException("--pool " + pool + " is not one of avg, max, flatten", "use --pool avg");
        };
    }

    /** The model as its toString, or for a long one its size, input, top layers and output ('graft inspect' has it all). */
    static String outline(Model m) {
        if (m.size() <= 12) {
            return m.toString().replaceFirst("^Model", "");
        }
        StringBuilder sb = new StringBuilder("(").append(m.size()).append(" layers").append(m.isChain() ? "" : ", a graph")
                .append("; input ").append(m.inputShape()).append(" -> ... ");
        for (int i = m.size() - 3; i < m.size(); i++) {
            var l = m.layer(i);
            sb.append(i == m.size() - 3 ? "" : " -> ").append(l.name()).append(' ').append(l.outputShape())
                    .append(l.trainable() ? "" : " (frozen)");
        }
        return sb.append(')').toString();
    }

    /** The frozen layers' names; a long list is shortened to its count and ends (the JSON output has them all). */
    private static String frozenText(List<String> frozen) {
        return frozen.size() <= 8 ? frozen.toString()
                : frozen.size() + " layers [" + frozen.get(0) + " ... " + frozen.get(frozen.size() - 1) + "]";
    }

    private static String unique(List<String> taken, String name) {
        String n = name;
        for (int i = 2; taken.contains(n); i++) {
            n = name + "_" + i;
        }
        taken.add(n);
        return n;
    }

    private void checkLayer(Model model, String option, String name) {
        if (model.find(name).isEmpty()) {
            throw new CliException(option + " " + name + ": " + source + " has no layer named '" + name + "'",
                    "its layers are " + String.join(", ", model.names()) + " ('graft inspect " + source + "' shows them)");
        }
    }

    private static List<String> frozenNames(Model m) {
        List<String> frozen = new ArrayList<>();
        for (var layer : m.layers()) {
            if (!layer.trainable()) {
                frozen.add(layer.name());
            }
        }
        return frozen;
    }
}
