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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads Keras models: full-model HDF5 files from Keras 1, 2 and 3 (legacy {@code .h5}: the
 * {@code model_config} attribute gives the layers, {@code model_weights/<layer>} with its
 * {@code weight_names} the tensors; {@code optimizer_weights} is reported as skipped) and Keras 3
 * {@code .keras} zips ({@code config.json} + {@code model.weights.h5} with {@code layers/<name>/vars/N}).
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
                        + "(a weights-only file needs the model's architecture too)");
            }
            List<LayerRecipe> specs = KerasConfig.parse(file, text(config.getData()));
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
            return build(file, ModelFormat.KERAS_H5, specs, name -> legacyWeights(file, nodes, group, name), skipped, notes);
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
        List<LayerRecipe> specs = KerasConfig.parse(file, configJson);
        try (HdfFile h5 = HdfFile.fromBytes(weightsBytes)) {
            Hdf5Nodes nodes = new Hdf5Nodes(file, h5);
            Node layers = nodes.find(h5, "layers");
            if (!(layers instanceof Group group)) {
                throw new ModelFileException(file, "model.weights.h5", "has no 'layers' group");
            }
            List<String> notes = new ArrayList<>(List.of("Keras 3 .keras archive"));
            return build(file, ModelFormat.KERAS_ARCHIVE, specs, name -> archiveWeights(file, nodes, group, name), List.of(), notes);
        } catch (RuntimeException e) {
            throw new ModelFileException(file, "model.weights.h5", "unreadable HDF5 weights: " + e.getMessage(), e);
        } catch (StackOverflowError e) {
            throw new ModelFileException(file, "model.weights.h5", "HDF5 structure nested too deeply to read (a cycle?)", e);
        }
    }

    /** A weight tensor found for a layer: where it is, its shape, its values. */
    record Tensor(String path, int[] shape, float[] values) {
    }

    private interface WeightLookup {
        List<Tensor> find(String layer) throws IOException;
    }

    /**
     * Locates each recipe's parameters among its layer's stored weights (the rank-2 tensor is the kernel,
     * the rank-1 one the bias), then builds the model with {@link LayerAssembler}.
     */
    private static LoadedModel build(Path file, ModelFormat format, List<LayerRecipe> recipes, WeightLookup lookup,
                                     List<SkippedVariable> skipped, List<String> notes) throws IOException {
        if (recipes.isEmpty() || !KerasConfig.isDense(recipes.get(0))) {
            throw new ModelFileException(file, "model_config", "the model must start with a Dense layer");
        }
        List<LayerRecipe> located = new ArrayList<>();
        List<TensorLayer> origins = new ArrayList<>();
        Map<String, Tensor> byPath = new HashMap<>();
        for (LayerRecipe r : recipes) {
            if (r.parameters().isEmpty()) {
                located.add(r);
                continue;
            }
            List<Tensor> tensors = lookup.find(r.name());
            Tensor kernel = tensors.stream().filter(t -> t.shape().length == 2).findFirst().orElseThrow(
                    () -> new ModelFileException(file, r.name(), "Dense layer has no rank-2 kernel among its weights"));
            Tensor bias = tensors.stream().filter(t -> t.shape().length == 1).findFirst().orElse(null);
            if (bias == null && r.parameters().containsKey("bias")) {
                throw new ModelFileException(file, r.name(), "Dense layer uses a bias but none is stored");
            }
            if (r.inputShape() != null && r.inputShape().size() != kernel.shape()[0]) {
                throw new ModelFileException(file, kernel.path(), "layer '" + r.name() + "' declares " + r.inputShape().size()
                        + " inputs but its kernel is " + java.util.Arrays.toString(kernel.shape()));
            }
            Map<String, LayerRecipe.Source> sources = new LinkedHashMap<>();
            sources.put("kernel", new LayerRecipe.Source(kernel.path(), false));
            byPath.put(kernel.path(), kernel);
            if (bias != null) {
                sources.put("bias", new LayerRecipe.Source(bias.path(), false));
                byPath.put(bias.path(), bias);
            }
            located.add(r.withParameters(sources).withInputShape(Shape.vector(kernel.shape()[0])));
            origins.add(new TensorLayer(r.name(), kernel.path(), bias == null ? null : bias.path(),
                    Activation.parse(r.description().string("activation")), false));
        }
        LayerAssembler.Tensors tensors = (recipe, parameter, src) -> {
            Tensor t = byPath.get(src.tensor());
            return new LayerAssembler.Tensor(t.path(), t.shape(), t.values());
        };
        return new LoadedModel(LayerAssembler.model(file, located, tensors, "the model config and its weights disagree"),
                new LoadReport(file, format, origins, skipped, notes));
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

    private static List<Tensor> archiveWeights(Path file, Hdf5Nodes nodes, Group layers, String layer) throws IOException {
        Node node = nodes.find(layers, layer);
        Node vars = node instanceof Group g ? nodes.find(g, "vars") : null;
        if (!(vars instanceof Group v)) {
            throw new ModelFileException(file, "model.weights.h5:layers/" + layer + "/vars", "no weights for layer '" + layer + "'");
        }
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; nodes.find(v, Integer.toString(i)) instanceof Dataset d; i++) {
            out.add(tensor(nodes, "layers/" + layer + "/vars/" + i, d));
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
