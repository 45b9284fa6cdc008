package dev.graft.loader.tf;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Dropout;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.loader.LoadReport;
import dev.graft.loader.LoadReport.SkippedVariable;
import dev.graft.loader.LoadedModel;
import dev.graft.loader.ModelFileException;
import dev.graft.loader.ModelFormat;
import dev.graft.loader.TensorLayer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.MetaGraphDef;

/**
 * Builds a Graft {@link Model} from a TF V2 checkpoint or a SavedModel: the layer stack comes from the
 * graph ({@code .meta} or {@code saved_model.pb}) when there is one, else from names and shapes (said so
 * in the report), or from an explicit mapping the caller gives. Non-layer variables are skipped and
 * listed; every tensor is checked against the shape the recovered architecture needs.
 */
public final class TfModelReader {

    private static final System.Logger LOG = System.getLogger(TfModelReader.class.getName());

    private TfModelReader() {
    }

    /** Reads a checkpoint given as prefix, one of its files, a state file or a directory. */
    public static LoadedModel readCheckpoint(Path path, List<TensorLayer> mapping) throws IOException {
        Path prefix = CheckpointPaths.resolve(path);
        TensorBundle bundle = TensorBundle.open(prefix);
        List<String> notes = new ArrayList<>();
        Optional<Path> meta = CheckpointPaths.metaGraph(prefix);
        List<Planned> layers;
        Path graphFile = bundle.indexFile();
        if (mapping != null && !mapping.isEmpty()) {
            layers = dense(mapping);
            notes.add("layers from the caller's explicit mapping");
        } else if (meta.isPresent()) {
            graphFile = meta.get();
            MetaGraphDef def = SavedModels.metaFile(meta.get());
            layers = fromGraph(meta.get(), def, bundle, notes);
        } else {
            layers = dense(inferred(bundle, notes, "no .meta graph next to the checkpoint"));
        }
        boolean fromGraph = !graphFile.equals(bundle.indexFile()) && (mapping == null || mapping.isEmpty());
        return assemble(prefix, ModelFormat.TF_CHECKPOINT, bundle, layers, graphFile, notes, fromGraph);
    }

    /** Reads a SavedModel directory ({@code saved_model.pb} + {@code variables/variables.*}). */
    public static LoadedModel readSavedModel(Path dir, List<TensorLayer> mapping) throws IOException {
        if (!SavedModels.isSavedModelDir(dir)) {
            throw new ModelFileException(dir, "not a SavedModel directory (no saved_model.pb)");
        }
        TensorBundle bundle = TensorBundle.open(dir.resolve("variables").resolve("variables"));
        List<String> notes = new ArrayList<>();
        List<Planned> layers;
        if (mapping != null && !mapping.isEmpty()) {
            layers = dense(mapping);
            notes.add("layers from the caller's explicit mapping");
        } else {
            Path pb = dir.resolve("saved_model.pb");
            layers = fromGraph(pb, SavedModels.metaGraph(dir), bundle, notes);
        }
        return assemble(dir, ModelFormat.TF_SAVED_MODEL, bundle, layers, dir.resolve("saved_model.pb"), notes,
                mapping == null || mapping.isEmpty());
    }

    private static List<Planned> fromGraph(Path graphFile, MetaGraphDef def, TensorBundle bundle, List<String> notes)
            throws IOException {
        GraphIntegrity.check(graphFile, def);
        List<GraphParts.Part> parts = GraphWalker.walk(graphFile, def.getGraphDef());
        if (parts.stream().noneMatch(p -> p instanceof GraphParts.Step)) {
            // A graph is there: guessing the layers from names would ignore what it says (and guess activations).
            throw new ModelFileException(graphFile, "the graph has no chain of dense layers (MatMul of an input "
                    + "placeholder with a variable, then bias, activation...): Graft cannot tell what this model "
                    + "computes; give an explicit layer mapping to load chosen layers");
        }
        Map<String, String> keys = SavedModels.checkpointKeys(def);
        List<Planned> layers = new ArrayList<>();
        int denseCount = 0;
        for (GraphParts.Part part : parts) {
            if (part instanceof GraphParts.Drop d) {
                if (Double.isNaN(d.rate())) {
                    notes.add("dropout '" + d.name() + "' (op " + d.op() + "): " + d.detail()
                            + ", so no Dropout layer was added; add one with Transfer if fine-tuning needs it");
                } else {
                    layers.add(new Planned(null, d.name(), (float) d.rate()));
                    notes.add("dropout '" + d.name() + "': " + d.detail());
                }
                continue;
            }
            GraphParts.Step s = (GraphParts.Step) part;
            String w = keys.getOrDefault(s.weights(), s.weights());
            String b = s.bias() == null ? null : keys.getOrDefault(s.bias(), s.bias());
            Activation act = s.activation() == null ? Activation.IDENTITY : s.activation();
            layers.add(new Planned(new TensorLayer(NameInference.layerName(s.weights()), w, b, act, s.transposed()), null, 0));
            denseCount++;
            if (s.transposed()) {
                notes.add("layer " + NameInference.layerName(s.weights()) + ": weights stored [out, in] (graph computes "
                        + "W·x or uses transpose_b); transposed to [in, out]");
            }
        }
        notes.add("architecture from the graph in " + graphFile.getFileName() + " (" + denseCount + " dense layers)");
        return layers;
    }

    /** One layer to build: a dense layer from tensors, or a dropout ({@code dense} null) with its rate. */
    private record Planned(TensorLayer dense, String dropoutName, float rate) {
    }

    private static List<Planned> dense(List<TensorLayer> layers) {
        return layers.stream().map(l -> new Planned(l, null, 0)).toList();
    }

    private static List<TensorLayer> inferred(TensorBundle bundle, List<String> notes, String why) throws IOException {
        Map<String, long[]> candidates = new LinkedHashMap<>();
        bundle.entries().forEach((name, e) -> {
            if (VariableFilter.skipReason(name).isEmpty()
                    && (e.dtype() == DataType.DT_FLOAT || e.dtype() == DataType.DT_DOUBLE)) {
                candidates.put(name, e.shape());
            }
        });
        List<TensorLayer> layers = NameInference.infer(bundle.indexFile(), candidates);
        String note = why + ": layer order inferred from tensor names and shapes, weights assumed [in, out], and "
                + "activations unknown (loaded as identity); pass an explicit mapping to override";
        notes.add(note);
        // Identity is the honest "unknown", but a silently linear network is easy to miss: say it loudly too.
        LOG.log(System.Logger.Level.WARNING, () -> bundle.indexFile() + ": " + note);
        return layers;
    }

    private static LoadedModel assemble(Path source, ModelFormat format, TensorBundle bundle, List<Planned> layers,
                                        Path graphFile, List<String> notes, boolean fromGraph) throws IOException {
        List<Layer> built = new ArrayList<>();
        List<TensorLayer> used = new ArrayList<>();
        Set<String> usedTensors = new HashSet<>();
        Set<String> names = new HashSet<>();
        List<Planned> pendingDropouts = new ArrayList<>(); // dropouts on the model input wait for the first width
        for (Planned plan : layers) {
            String base = plan.dense() == null ? plan.dropoutName() : plan.dense().name();
            String name = base;
            for (int k = 2; !names.add(name); k++) {
                name = base + "_" + k;
            }
            if (plan.dense() == null) {
                if (built.isEmpty()) {
                    pendingDropouts.add(new Planned(null, name, plan.rate()));
                } else {
                    built.add(new Dropout(name, built.get(built.size() - 1).outputWidth(), plan.rate(), true));
                }
                continue;
            }
            TensorLayer spec = plan.dense();
            Dense d = dense(bundle, spec, name, graphFile, notes);
            if (built.isEmpty()) {
                for (Planned p : pendingDropouts) {
                    built.add(new Dropout(p.dropoutName(), d.inputWidth(), p.rate(), true));
                }
            }
            Layer below = built.isEmpty() ? null : built.get(built.size() - 1);
            if (below != null && below.outputWidth() != d.inputWidth()) {
                throw new ModelFileException(graphFile, spec.weights(), "layer '" + name + "' has " + d.inputWidth()
                        + " inputs (weights " + d.inputWidth() + "x" + d.outputWidth() + ") but layer '" + below.name()
                        + "' below it gives " + below.outputWidth() + ": the graph and the checkpoint disagree");
            }
            built.add(d);
            used.add(new TensorLayer(name, spec.weights(), spec.bias(), spec.activation(), spec.transposed()));
            usedTensors.add(spec.weights());
            if (spec.bias() != null) {
                usedTensors.add(spec.bias());
            }
        }
        if (fromGraph) {
            UnusedVariables.check(graphFile, bundle, usedTensors);
        }
        List<SkippedVariable> skipped = new ArrayList<>();
        for (TensorBundle.Entry e : bundle.entries().values()) {
            if (!usedTensors.contains(e.name())) {
                String reason = VariableFilter.skipReason(e.name()).orElse(
                        e.dtype() != DataType.DT_FLOAT && e.dtype() != DataType.DT_DOUBLE
                                ? "not a float tensor (" + e.dtype() + ")" : "not part of the recovered layer chain");
                skipped.add(new SkippedVariable(e.name(), reason));
            }
        }
        Model model = new Model(built);
        return new LoadedModel(model, new LoadReport(source, format, used, skipped, notes));
    }

    private static Dense dense(TensorBundle bundle, TensorLayer spec, String name, Path graphFile, List<String> notes)
            throws IOException {
        TensorBundle.Entry we = bundle.entries().get(spec.weights());
        if (we == null) {
            throw new ModelFileException(graphFile, spec.weights(), "layer '" + name
                    + "' needs this variable but the checkpoint " + bundle.indexFile() + " has no such tensor");
        }
        if (we.shape().length != 2) {
            throw new ModelFileException(bundle.indexFile(), spec.weights(), "layer '" + name
                    + "' needs a rank-2 weight matrix, found shape " + java.util.Arrays.toString(we.shape()));
        }
        float[] w = bundle.readFloats(spec.weights());
        if (we.dtype() == DataType.DT_DOUBLE) {
            notes.add(spec.weights() + ": float64 converted to float32");
        }
        int rows = (int) we.shape()[0];
        int cols = (int) we.shape()[1];
        int in = spec.transposed() ? cols : rows;
        int out = spec.transposed() ? rows : cols;
        if (spec.transposed()) {
            float[] t = new float[w.length];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    t[c * rows + r] = w[r * cols + c];
                }
            }
            w = t;
        }
        float[] b = new float[out];
        if (spec.bias() != null) {
            TensorBundle.Entry be = bundle.entries().get(spec.bias());
            if (be == null) {
                throw new ModelFileException(graphFile, spec.bias(), "layer '" + name
                        + "' needs this bias but the checkpoint " + bundle.indexFile() + " has no such tensor");
            }
            if (be.elements() != out || be.shape().length == 0 || be.shape().length > 2) {
                throw new ModelFileException(bundle.indexFile(), spec.bias(), "layer '" + name + "' has " + out
                        + " outputs but its bias has shape " + java.util.Arrays.toString(be.shape()));
            }
            b = bundle.readFloats(spec.bias());
        } else {
            notes.add("layer " + name + ": no bias variable, using zeros");
        }
        try {
            return new Dense(name, in, out, spec.activation(), w, b, true);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(bundle.indexFile(), spec.weights(), e.getMessage(), e);
        }
    }
}
