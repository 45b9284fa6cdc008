package dev.graft.loader.keras;

import dev.graft.Activation;
import dev.graft.Shape;
import dev.graft.loader.LayerAssembler;
import dev.graft.loader.LayerRecipe;
import dev.graft.loader.LoadReport;
import dev.graft.loader.LoadReport.SkippedVariable;
import dev.graft.loader.LoadedModel;
import dev.graft.loader.ModelFileException;
import dev.graft.loader.ModelFormat;
import dev.graft.loader.TensorLayer;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.io.EOFException;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads Keras models: full-model HDF5 files from Keras 1, 2 and 3 (legacy {@code .h5}: the
 * {@code model_config} attribute gives the layers, {@code model_weights/<layer>} with its
 * {@code weight_names} the tensors; {@code optimizer_weights} is reported as skipped), Keras 3 and tf.keras 2.13+
 * {@code .keras} zips ({@code config.json} + {@code model.weights.h5} with {@code layers/<class key>/vars/N} or
 * {@code _layer_checkpoint_dependencies/<name>/vars/N}), and weights-only files with a separate architecture JSON.
 * The layers and their parameters come from {@link KerasConfig} and {@link KerasLayers}.
 */
public final class KerasReader {

    private KerasReader() {
    }

    /**
     * Reads a Keras HDF5 model file. Its length is checked against the superblock, links are followed
     * without recursion, weight datasets are checked before they are read (see the README on what HDF5's
     * own checksums cover).
     */
    public static LoadedModel readH5(Path file) throws IOException {
        Hdf5Length.check(file);
        try (HdfFile h5 = new HdfFile(file)) {
            Attribute config = h5.getAttribute("model_config");
            if (config == null) {
                throw new ModelFileException(file, "HDF5 file is not a Keras model: no 'model_config' attribute "
                        + "(a weights-only file needs the model's architecture too: give the JSON of model.to_json() with "
                        + "Models.load(weights, architecture) or graft's --architecture)");
            }
            KerasConfig.Parsed specs = KerasConfig.parse(file, text(config.getData()));
            Hdf5Nodes nodes = new Hdf5Nodes(file, h5);
            Node weights = nodes.find(h5, "model_weights");
            if (!(weights instanceof Group group)) {
                throw new ModelFileException(file, "model_weights", "Keras file has no 'model_weights' group");
            }
            List<SkippedVariable> skipped = new ArrayList<>();
            Node opt = nodes.find(h5, "optimizer_weights");
            if (opt != null) {
                collect(opt, "optimizer state", skipped);
            }
            List<String> notes = new ArrayList<>();
            notes.add("Keras " + keras(h5) + " HDF5 model");
            return build(file, ModelFormat.KERAS_H5, specs, legacyLookup(file, nodes, group), skipped, notes);
        } catch (RuntimeException e) {
            throw new ModelFileException(file, null, "unreadable HDF5 file: " + e.getMessage(), e);
        } catch (StackOverflowError e) {
            throw new ModelFileException(file, null, "HDF5 structure nested too deeply to read (a cycle?); the file is damaged", e);
        }
    }

    /**
     * Reads a weights-only HDF5 file ({@code model.save_weights}: Keras 3's {@code layers/<name>/vars} layout or
     * Keras 2's {@code layer_names} + {@code weight_names} layout) with the architecture from a separate JSON file
     * ({@code model.to_json()}). A full-model HDF5 file is accepted too; its own config is then ignored.
     */
    public static LoadedModel readWeights(Path file, Path architecture) throws IOException {
        String json;
        try {
            json = java.nio.file.Files.readString(architecture, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new ModelFileException(architecture, null, "not a UTF-8 JSON file: " + e, e);
        }
        KerasConfig.Parsed specs = KerasConfig.parse(architecture, json);
        Hdf5Length.check(file);
        try (HdfFile h5 = new HdfFile(file)) {
            Hdf5Nodes nodes = new Hdf5Nodes(file, h5);
            List<String> notes = new ArrayList<>(List.of("Keras weights from " + file.getFileName() + ", architecture from "
                    + architecture.getFileName()));
            Node modelWeights = nodes.find(h5, "model_weights");
            WeightLookup lookup;
            if (nodes.find(h5, "layers") instanceof Group || nodes.find(h5, "_layer_checkpoint_dependencies") instanceof Group) {
                lookup = archiveLookup(file, "", nodes, h5, specs.entries());
            } else if (modelWeights instanceof Group g) {
                lookup = legacyLookup(file, nodes, g);
            } else if (h5.getAttribute("layer_names") != null) {
                lookup = legacyLookup(file, nodes, h5);
            } else {
                throw new ModelFileException(file, "not a Keras weights file: no 'layers' group (Keras 3 save_weights), "
                        + "no 'layer_names' attribute (Keras 2 save_weights) and no 'model_weights' group");
            }
            return build(file, ModelFormat.KERAS_H5, specs, lookup, List.of(), notes);
        } catch (RuntimeException e) {
            throw new ModelFileException(file, null, "unreadable HDF5 file: " + e.getMessage(), e);
        } catch (StackOverflowError e) {
            throw new ModelFileException(file, null, "HDF5 structure nested too deeply to read (a cycle?); the file is damaged", e);
        }
    }

    /** Reads a Keras 3 {@code .keras} archive, checking each entry's CRC-32 ({@link ArchiveEntries}). */
    public static LoadedModel readArchive(Path file) throws IOException {
        String configJson;
        byte[] weightsBytes;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            configJson = new String(ArchiveEntries.read(file, zip, "config.json"), StandardCharsets.UTF_8);
            weightsBytes = ArchiveEntries.read(file, zip, "model.weights.h5");
        } catch (ZipException | EOFException e) {
            throw new ModelFileException(file, null, "not a .keras zip archive (or a damaged one): " + e, e);
        }
        Hdf5Length.check(file, "model.weights.h5", weightsBytes);
        KerasConfig.Parsed specs = KerasConfig.parse(file, configJson);
        try (HdfFile h5 = HdfFile.fromBytes(weightsBytes)) {
            Hdf5Nodes nodes = new Hdf5Nodes(file, h5);
            List<String> notes = new ArrayList<>(List.of("Keras 3 .keras archive"));
            return build(file, ModelFormat.KERAS_ARCHIVE, specs, archiveLookup(file, "model.weights.h5:", nodes, h5, specs.entries()),
                    List.of(), notes);
        } catch (RuntimeException e) {
            throw new ModelFileException(file, "model.weights.h5", "unreadable HDF5 weights: " + e.getMessage(), e);
        } catch (StackOverflowError e) {
            throw new ModelFileException(file, "model.weights.h5", "HDF5 structure nested too deeply to read (a cycle?)", e);
        }
    }

    /** A weight tensor found for a layer: where it is, its shape, its values. */
    record Tensor(String path, int[] shape, float[] values) {
    }

    /** The tensors of one weight group, in Keras's storage order. */
    private interface WeightLookup {
        List<Tensor> find(KerasConfig.WeightGroup group) throws IOException;

        /** Which stored group {@code group} is: a legacy file stores a nested model's layers in one. */
        default Object key(KerasConfig.WeightGroup group) {
            return group;
        }
    }

    /** Weights in a legacy HDF5 layout: one group per top-level layer under {@code container}. */
    private static WeightLookup legacyLookup(Path file, Hdf5Nodes nodes, Group container) {
        return new WeightLookup() {
            @Override
            public List<Tensor> find(KerasConfig.WeightGroup group) throws IOException {
                return legacyWeights(file, nodes, container, group.legacyGroup());
            }

            @Override
            public Object key(KerasConfig.WeightGroup group) {
                return group.legacyGroup();
            }
        };
    }

    /**
     * Hands each recipe the next tensors of its weight group, in the order Keras stores them (a nested model's
     * layers share their group in a legacy file, a SeparableConv2D's two Graft layers share theirs), checks that
     * every stored weight is used, then builds the model: a chain with {@link LayerAssembler}, a graph with
     * {@link GraphAssembly}. In a shared legacy group whose weight names all carry their layer's name (as Keras
     * writes them: {@code block_1_expand_BN/gamma}), each layer takes its own by name -- Keras lists a nested
     * model's trainable weights before all its non-trainable ones, so storage order is not layer order there.
     */
    private static LoadedModel build(Path file, ModelFormat format, KerasConfig.Parsed parsed, WeightLookup lookup,
                                     List<SkippedVariable> skipped, List<String> notes) throws IOException {
        List<KerasConfig.Entry> entries = parsed.entries();
        List<LayerRecipe> located = new ArrayList<>();
        List<TensorLayer> origins = new ArrayList<>();
        Map<String, Tensor> byPath = new HashMap<>();
        Map<Object, Set<String>> layersOfGroup = new HashMap<>();
        for (KerasConfig.Entry entry : entries) {
            if (!entry.recipe().parameters().isEmpty()) {
                layersOfGroup.computeIfAbsent(lookup.key(entry.group()), k -> new LinkedHashSet<>()).add(WeightGroups.kerasName(entry));
            }
        }
        Map<Object, List<Tensor>> groups = new LinkedHashMap<>();
        Map<Object, Map<String, List<Tensor>>> byLayer = new HashMap<>();
        Map<Object, Integer> taken = new HashMap<>();
        for (KerasConfig.Entry entry : entries) {
            LayerRecipe r = entry.recipe();
            if (r.parameters().isEmpty()) {
                located.add(r);
                continue;
            }
            Object g = lookup.key(entry.group());
            List<Tensor> stored = groups.get(g);
            if (stored == null) {
                stored = lookup.find(entry.group());
                groups.put(g, stored);
                Map<String, List<Tensor>> named = WeightGroups.byLayerName(stored, layersOfGroup.get(g));
                if (named != null) {
                    byLayer.put(g, named);
                }
            }
            Object slot = g;
            List<Tensor> pool = stored;
            if (byLayer.containsKey(g)) {
                slot = List.of(g, WeightGroups.kerasName(entry));
                pool = byLayer.get(g).getOrDefault(WeightGroups.kerasName(entry), List.of());
            }
            int from = taken.getOrDefault(slot, 0);
            List<String> names = new ArrayList<>(r.parameters().keySet());
            if (pool.size() < from + names.size()) {
                throw new ModelFileException(file, r.name(), "layer '" + r.name() + "' needs " + names + " but its weight group "
                        + "holds " + describe(pool) + (from > 0 ? " (of which the layers before it in the group use " + from + ")" : ""));
            }
            taken.put(slot, from + names.size());
            Map<String, LayerRecipe.Source> sources = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                Tensor t = pool.get(from + i);
                sources.put(names.get(i), new LayerRecipe.Source(t.path(), false));
                byPath.put(t.path(), t);
            }
            LayerRecipe withSources = r.withParameters(sources);
            if (KerasConfig.isDense(r)) {
                Tensor kernel = byPath.get(sources.get("kernel").tensor());
                if (kernel.shape().length != 2) {
                    throw new ModelFileException(file, kernel.path(), "Dense layer '" + r.name() + "' needs a rank-2 kernel, the file "
                            + "holds " + java.util.Arrays.toString(kernel.shape()));
                }
                if (r.inputShape() != null && r.inputShape().size() != kernel.shape()[0]) {
                    throw new ModelFileException(file, kernel.path(), "layer '" + r.name() + "' declares " + r.inputShape().size()
                            + " inputs but its kernel is " + java.util.Arrays.toString(kernel.shape()));
                }
                if (!parsed.isGraph()) {
                    withSources = withSources.withInputShape(r.inputShape() != null ? r.inputShape() : Shape.vector(kernel.shape()[0]));
                }
            }
            located.add(withSources);
            String kernel = sources.containsKey("kernel") ? "kernel" : sources.containsKey("depthwise_kernel") ? "depthwise_kernel" : null;
            if (kernel != null && r.description().config().containsKey("activation")) {
                LayerRecipe.Source bias = sources.get("bias");
                origins.add(new TensorLayer(r.name(), sources.get(kernel).tensor(), bias == null ? null : bias.tensor(),
                        Activation.parse(r.description().string("activation")), false));
            }
        }
        for (Map.Entry<Object, List<Tensor>> e : groups.entrySet()) {
            List<Tensor> unused = new ArrayList<>();
            if (byLayer.containsKey(e.getKey())) {
                byLayer.get(e.getKey()).forEach((layer, ts) ->
                        unused.addAll(ts.subList(taken.getOrDefault(List.of(e.getKey(), layer), 0), ts.size())));
            } else {
                unused.addAll(e.getValue().subList(taken.getOrDefault(e.getKey(), 0), e.getValue().size()));
            }
            if (!unused.isEmpty()) {
                throw new ModelFileException(file, unused.get(0).path(), "stored weight not used by any layer of the "
                        + "model config (the group holds " + describe(e.getValue()) + "); the config and the weights disagree");
            }
        }
        LayerAssembler.Tensors tensors = (recipe, parameter, src) -> {
            Tensor t = byPath.get(src.tensor());
            return new LayerAssembler.Tensor(t.path(), t.shape(), t.values());
        };
        String disagreement = "the model config and its weights disagree";
        return new LoadedModel(parsed.isGraph()
                ? GraphAssembly.model(file, located, parsed.inbound(), tensors, disagreement)
                : LayerAssembler.model(file, located, tensors, disagreement),
                new LoadReport(file, format, origins, skipped, notes));
    }

    private static String describe(List<Tensor> tensors) {
        StringBuilder sb = new StringBuilder(tensors.size() + " tensors");
        for (Tensor t : tensors) {
            sb.append(tensors.indexOf(t) == 0 ? ": " : ", ").append(t.path()).append(' ').append(java.util.Arrays.toString(t.shape()));
        }
        return sb.toString();
    }

    private static List<Tensor> legacyWeights(Path file, Hdf5Nodes nodes, Group modelWeights, String layer)
            throws IOException {
        Node node = nodes.find(modelWeights, layer);
        if (!(node instanceof Group g)) {
            throw new ModelFileException(file, "model_weights/" + layer, "no weight group for layer '" + layer + "'");
        }
        Attribute names = g.getAttribute("weight_names");
        List<Tensor> out = new ArrayList<>();
        if (names == null) {
            return out;
        }
        Object data = names.getData();
        int n = data.getClass().isArray() ? Array.getLength(data) : 1;
        for (int i = 0; i < n; i++) {
            String name = text(data.getClass().isArray() ? Array.get(data, i) : data);
            Node ds = nodes.find(g, name);
            if (!(ds instanceof Dataset d)) {
                throw new ModelFileException(file, "model_weights/" + layer + "/" + name, "listed in weight_names but missing");
            }
            out.add(tensor(nodes, "model_weights/" + layer + "/" + name, d));
        }
        return out;
    }

    /**
     * Weights stored as Keras 3 saves them ({@code .keras}, {@code .weights.h5}): a group per layer with
     * {@code vars/0, 1, ...}. Keras 3 keys layers by snake-cased class name and a counter ({@code conv2d_1}), not by
     * their configured names; tf.keras 2.13+ used the configured names under {@code _layer_checkpoint_dependencies}.
     * The scheme is chosen once for the whole file: the first under which every layer with weights has its group.
     */
    private static WeightLookup archiveLookup(Path file, String where, Hdf5Nodes nodes, Group root,
                                              List<KerasConfig.Entry> entries) throws IOException {
        List<KerasConfig.WeightGroup> needed = entries.stream().map(KerasConfig.Entry::group)
                .filter(java.util.Objects::nonNull).distinct().toList();
        boolean tfKeras = nodes.find(root, "_layer_checkpoint_dependencies") instanceof Group;
        List<java.util.function.Function<KerasConfig.WeightGroup, String>> schemes = tfKeras
                ? List.of(g -> path("_layer_checkpoint_dependencies", g.byName()))
                : List.of(g -> path("layers", g.byClass()), g -> path("layers", g.byName()));
        String missing = null;
        for (java.util.function.Function<KerasConfig.WeightGroup, String> scheme : schemes) {
            String firstMissing = null;
            for (KerasConfig.WeightGroup g : needed) {
                if (!(nodes.find(root, scheme.apply(g) + "/vars") instanceof Group)) {
                    firstMissing = scheme.apply(g);
                    break;
                }
            }
            if (firstMissing == null) {
                return g -> archiveWeights(file, where, nodes, root, scheme.apply(g));
            }
            missing = missing == null ? firstMissing : missing;
        }
        throw new ModelFileException(file, where + missing + "/vars", "no weights stored for a layer of the model config "
                + "(looked up by class, as Keras 3 stores them, and by configured name); the config and the weights disagree");
    }

    private static String path(String container, List<String> keys) {
        return container + "/" + String.join("/" + container + "/", keys);
    }

    private static List<Tensor> archiveWeights(Path file, String where, Hdf5Nodes nodes, Group root, String layerPath)
            throws IOException {
        Node vars = nodes.find(root, layerPath + "/vars");
        if (!(vars instanceof Group v)) {
            throw new ModelFileException(file, where + layerPath + "/vars", "no weights for this layer");
        }
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; nodes.find(v, Integer.toString(i)) instanceof Dataset d; i++) {
            out.add(tensor(nodes, where + layerPath + "/vars/" + i, d));
        }
        return out;
    }

    private static Tensor tensor(Hdf5Nodes nodes, String path, Dataset d) throws ModelFileException {
        int[] shape = d.getDimensions();
        return new Tensor(path, shape, nodes.floats(path, d, shape));
    }

    private static void collect(Node node, String reason, List<SkippedVariable> out) {
        if (node instanceof Group g) {
            for (Node child : g.getChildren().values()) {
                collect(child, reason, out);
            }
        } else {
            out.add(new SkippedVariable(node.getPath(), reason));
        }
    }

    private static String keras(HdfFile h5) {
        Attribute v = h5.getAttribute("keras_version");
        return v == null ? "(version not recorded)" : text(v.getData());
    }

    private static String text(Object data) {
        if (data instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        if (data != null && data.getClass().isArray() && Array.getLength(data) == 1) {
            return text(Array.get(data, 0));
        }
        return String.valueOf(data).replace("\0", "");
    }
}
