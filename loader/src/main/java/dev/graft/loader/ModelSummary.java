package dev.graft.loader;

import dev.graft.Layer;
import dev.graft.LayerDescription;
import dev.graft.Model;
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
     * the source tensors; {@code inputShape}/{@code outputShape} read like {@code [28, 28, 1]}; {@code inputs}
     * names the layers it reads in a graph model (empty for a chain, and for an input layer).
     */
    public record Row(String name, String kind, int inputWidth, int outputWidth, String activation, long parameters,
                      boolean trainable, String weights, String bias, String inputShape, String outputShape,
                      List<String> inputs) {
        public Row {
            inputs = List.copyOf(inputs);
        }
    }

    /** Whether the model is a graph (merges, several inputs, branches): then each row names its inputs. */
    public boolean isGraph() {
        return layers.stream().anyMatch(r -> !r.inputs().isEmpty());
    }

    /** Loads {@code path} and summarises it. */
    public static ModelSummary inspect(Path path) throws IOException {
        return of(Models.load(path));
    }

    public static ModelSummary of(LoadedModel loaded) {
        List<Row> rows = new ArrayList<>();
        Model model = loaded.model();
        for (Layer layer : model.layers()) {
            TensorLayer origin = loaded.report().layers().stream()
                    .filter(t -> t.name().equals(layer.name())).findFirst().orElse(null);
            String w = origin == null ? "" : origin.weights() + (origin.transposed() ? " (transposed)" : "");
            String b = origin == null || origin.bias() == null ? "" : origin.bias();
            LayerDescription d = layer.description();
            Object activation = d.config().get("activation");
            rows.add(new Row(layer.name(), kind(d), layer.inputWidth(), layer.outputWidth(),
                    activation == null ? "" : activation.toString(), layer.parameterCount(), layer.trainable(), w, b,
                    inputShapes(layer), layer.outputShape().toString(),
                    model.isChain() ? List.of() : model.inputsOf(layer.name())));
        }
        LoadReport r = loaded.report();
        return new ModelSummary(r.source(), r.format(), loaded.model().inputWidth(), rows,
                loaded.model().parameterCount(), r.skipped(), r.notes());
    }

    /** A merge's input shapes joined by " + " (one shape for other layers). */
    private static String inputShapes(Layer layer) {
        List<String> shapes = layer.inputShapes().stream().map(Object::toString).toList();
        return shapes.stream().distinct().count() == 1 ? shapes.get(0) : String.join(" + ", shapes);
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

    /** "<- a + b" for a layer that reads others than the row above, blank when it reads just that row. */
    private String inputsCell(int i) {
        List<String> in = layers.get(i).inputs();
        if (in.isEmpty()) {
            return layers.get(i).kind().equals("input") ? "input" : "";
        }
        if (in.size() == 1 && i > 0 && in.get(0).equals(layers.get(i - 1).name())) {
            return "";
        }
        return "<- " + String.join(" + ", in);
    }

    /**
     * A plain-text table: header, one line per layer, totals, then skipped variables and notes. A graph model's
     * table has an {@code inputs} column: {@code <- block_1_project_BN + block_2_project_BN} for a merge, or for
     * a layer reading another than the one above it.
     */
    public String toTable() {
        boolean graph = isGraph();
        String[] head = graph
                ? new String[] {"#", "layer", "kind", "inputs", "shape", "activation", "params", "trainable", "weights", "bias"}
                : new String[] {"#", "layer", "kind", "shape", "activation", "params", "trainable", "weights", "bias"};
        List<String[]> cells = new ArrayList<>();
        cells.add(head);
        for (int i = 0; i < layers.size(); i++) {
            Row r = layers.get(i);
            String shape = r.inputShape().startsWith("[") && r.inputShape().indexOf(',') < 0 && r.outputShape().indexOf(',') < 0
                    ? r.inputWidth() + " -> " + r.outputWidth() : r.inputShape() + " -> " + r.outputShape();
            List<String> row = new ArrayList<>(List.of(Integer.toString(i), r.name(), r.kind()));
            if (graph) {
                row.add(inputsCell(i));
            }
            row.addAll(List.of(shape, r.activation(), Long.toString(r.parameters()), r.trainable() ? "yes" : "no", r.weights(),
                    r.bias()));
            cells.add(row.toArray(String[]::new));
        }
        int[] width = new int[head.length];
        for (String[] row : cells) {
            for (int c = 0; c < row.length; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(source).append(" (").append(format).append("), input width ").append(inputWidth).append('\n');
        if (graph) {
            sb.append("a graph: 'inputs' names the layers each one reads ('input' for a model input; blank: the row above)\n");
        }
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
