package dev.graft.cli;

import dev.graft.loader.LoadReport;
import dev.graft.loader.LoadedModel;
import dev.graft.loader.ModelSummary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code graft inspect MODEL}: what a model file holds, as Graft reads it. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a model's layers, shapes, activations and parameter counts, the tensors each layer came "
                + "from, and the variables that were skipped (optimizer slots, counters). For a graph model (residual "
                + "blocks, merges, several inputs) each layer also names the layers it reads.")
final class InspectCommand extends BaseCommand {

    @Parameters(paramLabel = "MODEL", description = "A TF checkpoint (prefix, .index or directory), SavedModel directory, "
            + "Keras .h5/.keras file, or Graft .safetensors file.")
    Path model;

    @picocli.CommandLine.Option(names = "--architecture", paramLabel = "JSON", description = "With a Keras weights-only "
            + ".h5 file (model.save_weights): the model's architecture, as written by model.to_json().")
    Path architecture;

    @Override
    int run() throws Exception {
        LoadedModel loaded = ModelFiles.load(model, architecture);
        ModelSummary summary = ModelSummary.of(loaded);
        if (json()) {
            out().println(Json.write(json(summary)));
        } else {
            out().print(summary.toTable());
        }
        return 0;
    }

    private static Map<String, Object> json(ModelSummary s) {
        Map<String, Object> m = Json.object();
        m.put("source", s.source().toString());
        m.put("format", s.format().name());
        m.put("inputWidth", s.inputWidth());
        m.put("parameters", s.parameters());
        m.put("graph", s.isGraph());
        List<Map<String, Object>> layers = new ArrayList<>();
        for (ModelSummary.Row r : s.layers()) {
            Map<String, Object> l = Json.object();
            l.put("name", r.name());
            l.put("kind", r.kind());
            l.put("inputs", r.inputWidth());
            l.put("outputs", r.outputWidth());
            l.put("inputShape", r.inputShape());
            l.put("outputShape", r.outputShape());
            l.put("activation", r.activation());
            l.put("parameters", r.parameters());
            l.put("trainable", r.trainable());
            l.put("weights", r.weights());
            l.put("bias", r.bias());
            if (s.isGraph()) {
                l.put("inputs", r.inputs());
            }
            layers.add(l);
        }
        m.put("layers", layers);
        List<Map<String, Object>> skipped = new ArrayList<>();
        for (LoadReport.SkippedVariable v : s.skipped()) {
            Map<String, Object> sv = Json.object();
            sv.put("name", v.name());
            sv.put("reason", v.reason());
            skipped.add(sv);
        }
        m.put("skipped", skipped);
        m.put("notes", s.notes());
        return m;
    }
}
