package dev.graft.loader.tf;

import dev.graft.Activation;
import dev.graft.Model;
import dev.graft.Shape;
import dev.graft.loader.LayerAssembler;
import dev.graft.loader.LayerRecipe;
import dev.graft.loader.LoadReport;
import dev.graft.loader.LoadReport.SkippedVariable;
import dev.graft.loader.LoadedModel;
import dev.graft.loader.ModelFileException;
import dev.graft.loader.ModelFormat;
import dev.graft.loader.TensorLayer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
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
        Map<Integer, List<Integer>> inbound = new HashMap<>();
        Optional<Path> meta = CheckpointPaths.metaGraph(prefix);
        List<LayerRecipe> layers;
        Path graphFile = bundle.indexFile();
        if (mapping != null && !mapping.isEmpty()) {
            layers = dense(bundle, mapping, graphFile);
            notes.add("layers from the caller's explicit mapping");
        } else if (meta.isPresent()) {
            graphFile = meta.get();
            MetaGraphDef def = SavedModels.metaFile(meta.get());
            layers = fromGraph(meta.get(), def, bundle, notes, inbound);
        } else {
            layers = dense(bundle, inferred(bundle, notes, "no .meta graph next to the checkpoint"), graphFile);
        }
        boolean fromGraph = !graphFile.equals(bundle.indexFile()) && (mapping == null || mapping.isEmpty());
        return assemble(prefix, ModelFormat.TF_CHECKPOINT, bundle, layers, graphFile, notes, fromGraph, Map.of(), inbound);
    }

    /** Reads a SavedModel directory ({@code saved_model.pb} + {@code variables/variables.*}). */
    public static LoadedModel readSavedModel(Path dir, List<TensorLayer> mapping) throws IOException {
        if (!SavedModels.isSavedModelDir(dir)) {
            throw new ModelFileException(dir, "not a SavedModel directory (no saved_model.pb)");
        }
        TensorBundle bundle = TensorBundle.open(dir.resolve("variables").resolve("variables"));
        List<String> notes = new ArrayList<>();
        List<LayerRecipe> layers;
        Map<Integer, List<Integer>> inbound = new HashMap<>();
        MetaGraphDef def = SavedModels.metaGraph(dir);
        if (mapping != null && !mapping.isEmpty()) {
            layers = dense(bundle, mapping, dir.resolve("saved_model.pb"));
            notes.add("layers from the caller's explicit mapping");
        } else {
            layers = fromGraph(dir.resolve("saved_model.pb"), def, bundle, notes, inbound);
        }
        return assemble(dir, ModelFormat.TF_SAVED_MODEL, bundle, layers, dir.resolve("saved_model.pb"), notes,
                mapping == null || mapping.isEmpty(), SavedModels.variableNames(def), inbound);
    }

    /**
     * The layers the graph computes; for a graph that branches, {@code inbound} gets each layer's inputs (recipe
     * indexes) where they are not simply the layer before it.
     */
    private static List<LayerRecipe> fromGraph(Path graphFile, MetaGraphDef def, TensorBundle bundle, List<String> notes,
                                               Map<Integer, List<Integer>> inbound) throws IOException {
        GraphIntegrity.check(graphFile, def);
        GraphParts.Chain chain = GraphWalker.walk(graphFile, def.getGraphDef());
        List<GraphParts.Part> parts = chain.parts();
        if (parts.stream().allMatch(p -> p.variables().isEmpty())) {
            // A graph is there: guessing the layers from names would ignore what it says (and guess activations).
            throw new ModelFileException(graphFile, "the graph has no chain of layers (MatMul or Conv2D of an input "
                    + "placeholder with a variable, then bias, activation...): Graft cannot tell what this model "
                    + "computes; give an explicit layer mapping to load chosen layers");
        }
        Map<String, String> keys = SavedModels.checkpointKeys(def);
        List<LayerRecipe> layers = new ArrayList<>();
        Map<GraphParts.Part, Integer> recipeOf = new HashMap<>();
        Map<Integer, Shape> reshapedTo = new HashMap<>();
        int denseCount = 0;
        for (GraphParts.Part part : parts) {
            int next = layers.size();
            recipeOf.put(part, next);
            if (part instanceof GraphParts.Reshaped r) {
                recipeOf.put(part, GraphLinks.recipeOf(chain.inputsOf(part).get(0), recipeOf));
                // The layer after a reshape back to images must take exactly that shape (checked when it is built).
                reshapedTo.put(layers.size(), Shape.of(r.dims()));
                continue;
            }
            if (part instanceof GraphParts.Drop d) {
                if (Double.isNaN(d.rate())) {
                    recipeOf.put(part, GraphLinks.recipeOf(chain.inputsOf(part).get(0), recipeOf));
                    notes.add("dropout '" + d.name() + "' (op " + d.op() + "): " + d.detail()
                            + ", so no Dropout layer was added; add one with Transfer if fine-tuning needs it");
                } else {
                    layers.add(LayerRecipe.dropout(d.name(), (float) d.rate(), true));
                    notes.add("dropout '" + d.name() + "': " + d.detail());
                }
                continue;
            }
            if (!(part instanceof GraphParts.Step s)) {
                layers.add(GraphRecipes.of(part, keys, bundle, graphFile, notes));
                continue;
            }
            String w = keys.getOrDefault(s.weights(), s.weights());
            String b = s.bias() == null ? null : keys.getOrDefault(s.bias(), s.bias());
            Activation act = s.activation() == null ? Activation.IDENTITY : s.activation();
            layers.add(recipe(bundle, new TensorLayer(NameInference.layerName(s.weights()), w, b, act, s.transposed()), graphFile));
            denseCount++;
            if (s.transposed()) {
                notes.add("layer " + NameInference.layerName(s.weights()) + ": weights stored [out, in] (graph computes "
                        + "W·x or uses transpose_b); transposed to [in, out]");
            }
        }
        long others = layers.stream().map(l -> l.description().type())
                .filter(t -> !t.equals(dev.graft.Dense.TYPE) && !t.equals(dev.graft.Dropout.TYPE)).count();
        notes.add("architecture from the graph in " + graphFile.getFileName() + " (" + denseCount + " dense layers"
                + (others > 0 ? ", " + others + " convolution, pooling, batch-norm, flatten or activation layers)" : ")"));
        for (Map.Entry<Integer, Shape> e : reshapedTo.entrySet()) {
            if (e.getKey() < layers.size() && !layers.get(e.getKey()).description().type().equals(dev.graft.Dense.TYPE)) {
                layers.set(e.getKey(), layers.get(e.getKey()).withInputShape(e.getValue()));
            }
        }
        Shape input = chain.input();
        if (!chain.inbound().isEmpty()) {
            layers = GraphLinks.link(chain, layers, recipeOf, inbound);
            notes.add("the graph branches: " + GraphLinks.merges(layers) + " merge layers (residual Add, Concat)");
        }
        if (!layers.isEmpty() && !layers.get(0).description().type().equals(dev.graft.Dense.TYPE)) {
            layers.set(0, GraphRecipes.withInput(layers.get(0), input, graphFile));
        }
        return layers;
    }

    private static List<LayerRecipe> dense(TensorBundle bundle, List<TensorLayer> layers, Path graphFile) throws IOException {
        List<LayerRecipe> recipes = new ArrayList<>();
        for (TensorLayer l : layers) {
            recipes.add(recipe(bundle, l, graphFile));
        }
        return recipes;
    }

    /** A dense layer's recipe; its widths come from the weight tensor's stored shape (the index, no data read yet). */
    private static LayerRecipe recipe(TensorBundle bundle, TensorLayer spec, Path graphFile) throws IOException {
        TensorBundle.Entry we = bundle.entries().get(spec.weights());
        if (we == null) {
            throw new ModelFileException(graphFile, spec.weights(), "layer '" + spec.name()
                    + "' needs this variable but the checkpoint " + bundle.indexFile() + " has no such tensor");
        }
        if (we.shape().length != 2 || we.shape()[0] > Integer.MAX_VALUE || we.shape()[1] > Integer.MAX_VALUE
                || we.shape()[0] <= 0 || we.shape()[1] <= 0) {
            throw new ModelFileException(bundle.indexFile(), spec.weights(), "layer '" + spec.name()
                    + "' needs a rank-2 weight matrix, found shape " + java.util.Arrays.toString(we.shape()));
        }
        int in = (int) we.shape()[spec.transposed() ? 1 : 0];
        int out = (int) we.shape()[spec.transposed() ? 0 : 1];
        return LayerRecipe.dense(spec.name(), out, spec.activation(), spec.weights(), spec.bias(), spec.transposed(), true,
                Shape.vector(in));
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

    private static LoadedModel assemble(Path source, ModelFormat format, TensorBundle bundle, List<LayerRecipe> layers,
                                        Path graphFile, List<String> notes, boolean fromGraph,
                                        Map<String, String> variableNames, Map<Integer, List<Integer>> inbound)
            throws IOException {
        List<LayerRecipe> named = new ArrayList<>();
        List<TensorLayer> used = new ArrayList<>();
        Set<String> usedTensors = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (LayerRecipe recipe : layers) {
            String name = recipe.name();
            for (int k = 2; !names.add(name); k++) {
                name = recipe.name() + "_" + k;
            }
            named.add(recipe.withName(name));
            recipe.parameters().values().forEach(src -> usedTensors.add(src.tensor()));
            LayerRecipe.Source kernel = recipe.parameters().get("kernel");
            if (kernel != null) {
                LayerRecipe.Source bias = recipe.parameters().get("bias");
                used.add(new TensorLayer(name, kernel.tensor(), bias == null ? null : bias.tensor(),
                        Activation.parse(recipe.description().string("activation")), kernel.transposed()));
                if (bias == null) {
                    notes.add("layer " + name + ": no bias variable, using zeros");
                }
            }
        }
        Map<String, String> copies = UnusedVariables.copies(bundle, usedTensors, variableNames);
        if (fromGraph) {
            UnusedVariables.check(graphFile, bundle, usedTensors, copies.keySet());
        }
        LayerAssembler.Tensors tensors = (recipe, parameter, src) -> tensor(bundle, recipe, parameter, src, graphFile, notes);
        Model model = inbound.isEmpty()
                ? LayerAssembler.model(graphFile, named, tensors, "the graph and the checkpoint disagree")
                : GraphLinks.model(graphFile, named, inbound, tensors, "the graph and the checkpoint disagree");
        List<SkippedVariable> skipped = new ArrayList<>();
        for (TensorBundle.Entry e : bundle.entries().values()) {
            if (!usedTensors.contains(e.name())) {
                String reason = copies.containsKey(e.name()) ? "the same variable as " + copies.get(e.name())
                        + ", tracked twice by the exporter (equal name, shape and checksum)"
                        : VariableFilter.skipReason(e.name()).orElse(
                        e.dtype() != DataType.DT_FLOAT && e.dtype() != DataType.DT_DOUBLE
                                ? "not a float tensor (" + e.dtype() + ")" : "not part of the recovered layer chain");
                skipped.add(new SkippedVariable(e.name(), reason));
            }
        }
        return new LoadedModel(model, new LoadReport(source, format, used, skipped, notes));
    }

    /**
     * One parameter's values from the bundle, oriented as Graft stores them: a weight matrix stored
     * {@code [out, in]} is transposed; a bias stored as {@code [1, n]} or {@code [n, 1]} is read as {@code [n]}.
     */
    private static LayerAssembler.Tensor tensor(TensorBundle bundle, LayerRecipe recipe, String parameter,
                                                LayerRecipe.Source src, Path graphFile, List<String> notes) throws IOException {
        TensorBundle.Entry e = bundle.entries().get(src.tensor());
        if (e == null) {
            throw new ModelFileException(graphFile, src.tensor(), "layer '" + recipe.name()
                    + "' needs this " + parameter + " but the checkpoint " + bundle.indexFile() + " has no such tensor");
        }
        float[] values = bundle.readFloats(src.tensor());
        if (e.dtype() == DataType.DT_DOUBLE) {
            notes.add(src.tensor() + ": float64 converted to float32");
        }
        long[] stored = e.shape();
        if (stored.length == 4) {
            return new LayerAssembler.Tensor(src.tensor(), java.util.Arrays.stream(stored).mapToInt(d -> (int) d).toArray(), values);
        }
        if (stored.length == 2 && !parameter.equals("bias")) {
            int rows = (int) stored[0];
            int cols = (int) stored[1];
            if (!src.transposed()) {
                return new LayerAssembler.Tensor(src.tensor(), new int[] {rows, cols}, values);
            }
            float[] t = new float[values.length];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    t[c * rows + r] = values[r * cols + c];
                }
            }
            return new LayerAssembler.Tensor(src.tensor(), new int[] {cols, rows}, t);
        }
        if (stored.length == 0 || stored.length > 2 || (stored.length == 2 && stored[0] != 1 && stored[1] != 1)) {
            throw new ModelFileException(bundle.indexFile(), src.tensor(), "layer '" + recipe.name() + "': " + parameter
                    + " has shape " + java.util.Arrays.toString(stored) + ", expected a vector");
        }
        return new LayerAssembler.Tensor(src.tensor(), new int[] {values.length}, values);
    }
}
