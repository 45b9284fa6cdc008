package dev.graft.loader;

import dev.graft.Layer;
import dev.graft.LayerDescription;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code inspect} view of a model file: per layer its kind, shapes, activation, parameter count,
 * trainability and source tensors, plus the skipped variables and load notes — data the CLI prints
 * with {@link #toTable()} or serialises as it likes. Driven by each layer's
 * {@link LayerDescription}, so every layer type gets its row.
 */
public record ModelSummary(Path source, ModelFormat format, int inputWidth, List<Row> layers, long parameters,
                           List<LoadReport.SkippedVariable> skipped, List<String> notes) {

    public ModelSummary {
        layers = List.copyOf(layers);
        skipped = List.copyOf(skipped);
        notes = List.copyOf(notes);
    }

    /**
     * One layer: {@code kind} is its description's type with any configuration besides units and
     * activation, e.g. {@code dense} or {@code dropout(rate=0.25)}; {@code weights}/{@code bias} name
     * the source tensors; {@code inputShape}/{@code outputShape} read like {@code [28, 28, 1]}.
     */
    public record Row(String name, String kind, int inputWidth, int outputWidth, String activation, long parameters,
                      boolean trainable, String weights, String bias, String inputShape, String outputShape) {
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
            LayerDescription d = layer.description();
            Object activation = d.config().get("activation");
            rows.add(new Row(layer.name(), kind(d), layer.inputWidth(), layer.outputWidth(),
                    activation == null ? "" : activation.toString(), layer.parameterCount(), layer.trainable(), w, b,
                    layer.inputShape().toString(), layer.outputShape().toString()));
        }
        LoadReport r = loaded.report();
        return new ModelSummary(r.source(), r.format(), loaded.model().inputWidth(), rows,
                loaded.model().parameterCount(), r.skipped(), r.notes());
    }

    /** The type, plus configuration other than units and activation (which have columns of their own). */
    static String kind(LayerDescription d) {
        StringBuilder sb = new StringBuilder();
        d.config().forEach((k, v) -> {
            if (!k.equals("units") && !k.equals("activation")) {
                sb.append(sb.length() == 0 ? "" : ", ").append(k).append('=').append(v);
            }
        });
        return sb.length() == 0 ? d.type() : d.type() + "(" + sb + ")";
    }

    /** A plain-text table: header, one line per layer, totals, then skipped variables and notes. */
    public String toTable() {
        String[] head = {"#", "layer", "kind", "shape", "activation", "params", "trainable", "weights", "bias"};
        List<String[]> cells = new ArrayList<>();
        cells.add(head);
        for (int i = 0; i < layers.size(); i++) {
            Row r = layers.get(i);
            String shape = r.inputShape().startsWith("[") && r.inputShape().indexOf(',') < 0 && r.outputShape().indexOf(',') < 0
                    ? r.inputWidth() + " -> " + r.outputWidth() : r.inputShape() + " -> " + r.outputShape();
            cells.add(new String[] {Integer.toString(i), r.name(), r.kind(), shape,
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
