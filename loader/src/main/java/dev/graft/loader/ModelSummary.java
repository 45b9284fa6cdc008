package dev.graft.loader;

import dev.graft.Dense;
import dev.graft.Dropout;
import dev.graft.Layer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code inspect} view of a model file: per layer its kind, widths, activation, parameter count,
 * trainability and source tensors, plus the skipped variables and load notes — data the CLI prints
 * with {@link #toTable()} or serialises as it likes.
 */
public record ModelSummary(Path source, ModelFormat format, int inputWidth, List<Row> layers, long parameters,
                           List<LoadReport.SkippedVariable> skipped, List<String> notes) {

    public ModelSummary {
        layers = List.copyOf(layers);
        skipped = List.copyOf(skipped);
        notes = List.copyOf(notes);
    }

    /** One layer: {@code kind} is "dense" or "dropout"; {@code weights}/{@code bias} name the source tensors. */
    public record Row(String name, String kind, int inputWidth, int outputWidth, String activation, long parameters,
                      boolean trainable, String weights, String bias) {
    }

    /** Loads {@code path} and summarises it. */
    public static ModelSummary inspect(Path path) throws IOException {
        return of(Models.load(path));
    }

    public static ModelSummary of(LoadedModel loaded) {
        List<Row> rows = new ArrayList<>();
        for (Layer layer : loaded.model().layers()) {
            TensorLayer origin = loaded.report().layers().stream()
                    .filter(t -> t.name().equals(layer.name())).findFirst().orElse(null);
            String w = origin == null ? "" : origin.weights() + (origin.transposed() ? " (transposed)" : "");
            String b = origin == null || origin.bias() == null ? "" : origin.bias();
            if (layer instanceof Dense d) {
                rows.add(new Row(d.name(), "dense", d.inputWidth(), d.outputWidth(), d.activation().toString(),
                        d.parameterCount(), d.trainable(), w, b));
            } else if (layer instanceof Dropout p) {
                rows.add(new Row(p.name(), "dropout(" + p.rate() + ")", p.width(), p.width(), "", 0, p.trainable(), "", ""));
            }
        }
        LoadReport r = loaded.report();
        return new ModelSummary(r.source(), r.format(), loaded.model().inputWidth(), rows,
                loaded.model().parameterCount(), r.skipped(), r.notes());
    }

    /** A plain-text table: header, one line per layer, totals, then skipped variables and notes. */
    public String toTable() {
        String[] head = {"#", "layer", "kind", "shape", "activation", "params", "trainable", "weights", "bias"};
        List<String[]> cells = new ArrayList<>();
        cells.add(head);
        for (int i = 0; i < layers.size(); i++) {
            Row r = layers.get(i);
            cells.add(new String[] {Integer.toString(i), r.name(), r.kind(), r.inputWidth() + " -> " + r.outputWidth(),
                    r.activation(), Long.toString(r.parameters()), r.trainable() ? "yes" : "no", r.weights(), r.bias()});
        }
        int[] width = new int[head.length];
        for (String[] row : cells) {
            for (int c = 0; c < row.length; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(source).append(" (").append(format).append("), input width ").append(inputWidth).append('\n');
        for (String[] row : cells) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < row.length; c++) {
                line.append(String.format("%-" + width[c] + "s  ", row[c]));
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        sb.append("total parameters: ").append(parameters).append('\n');
        if (!skipped.isEmpty()) {
            sb.append("skipped variables (").append(skipped.size()).append("):\n");
            for (LoadReport.SkippedVariable s : skipped) {
                sb.append("  ").append(s.name()).append(" -- ").append(s.reason()).append('\n');
            }
        }
        for (String n : notes) {
            sb.append("note: ").append(n).append('\n');
        }
        return sb.toString();
    }
}
