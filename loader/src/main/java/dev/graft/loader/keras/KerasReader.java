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
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads Keras models: full-model HDF5 files from Keras 1, 2 and 3 (legacy {@code .h5}: the
 * {@code model_config} attribute gives the layers, {@code model_weights/<layer>} with its
 * {@code weight_names} the tensors; {@code optimizer_weights} is reported as skipped) and Keras 3
 * {@code .keras} zips ({@code config.json} + {@code model.weights.h5} with {@code layers/<name>/vars/N}).
 */
public final class KerasReader {

    private static final long MAX_ZIP_ENTRY = 1L << 31;

    private KerasReader() {
    }

    /** Reads a Keras HDF5 model file. */
    public static LoadedModel readH5(Path file) throws IOException {
        try (HdfFile h5 = new HdfFile(file)) {
            Attribute config = h5.getAttribute("model_config");
            if (config == null) {
                throw new ModelFileException(file, "HDF5 file is not a Keras model: no 'model_config' attribute "
                        + "(a weights-only file needs the model's architecture too)");
            }
            List<LayerRecipe> specs = KerasConfig.parse(file, text(config.getData()));
            Node weights = h5.getChild("model_weights");
            if (!(weights instanceof Group group)) {
                throw new ModelFileException(file, "model_weights", "Keras file has no 'model_weights' group");
            }
            List<SkippedVariable> skipped = new ArrayList<>();
            Node opt = h5.getChild("optimizer_weights");
            if (opt != null) {
                collect(opt, "optimizer state", skipped);
            }
            List<String> notes = new ArrayList<>();
            notes.add("Keras " + keras(h5) + " HDF5 model");
            return build(file, ModelFormat.KERAS_H5, specs, name -> legacyWeights(file, group, name), skipped, notes);
        } catch (RuntimeException e) {
            throw new ModelFileException(file, null, "unreadable HDF5 file: " + e.getMessage(), e);
        }
    }

    /** Reads a Keras 3 {@code .keras} archive. */
    public static LoadedModel readArchive(Path file) throws IOException {
        String configJson;
        byte[] weightsBytes;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            configJson = new String(entry(file, zip, "config.json"), StandardCharsets.UTF_8);
            weightsBytes = entry(file, zip, "model.weights.h5");
        } catch (java.util.zip.ZipException e) {
            throw new ModelFileException(file, null, "not a .keras zip archive: " + e.getMessage(), e);
        }
        List<LayerRecipe> specs = KerasConfig.parse(file, configJson);
        try (HdfFile h5 = HdfFile.fromBytes(weightsBytes)) {
            Node layers = h5.getChild("layers");
            if (!(layers instanceof Group group)) {
                throw new ModelFileException(file, "model.weights.h5", "has no 'layers' group");
            }
            List<String> notes = new ArrayList<>(List.of("Keras 3 .keras archive"));
            return build(file, ModelFormat.KERAS_ARCHIVE, specs, name -> archiveWeights(file, group, name), List.of(), notes);
        } catch (RuntimeException e) {
            throw new ModelFileException(file, "model.weights.h5", "unreadable HDF5 weights: " + e.getMessage(), e);
        }
    }

    private static byte[] entry(Path file, ZipFile zip, String name) throws IOException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            throw new ModelFileException(file, name, ".keras archive has no " + name);
        }
        if (e.getSize() > MAX_ZIP_ENTRY) {
            throw new ModelFileException(file, name, "entry of " + e.getSize() + " bytes is too large");
        }
        try (InputStream in = zip.getInputStream(e)) {
            return in.readAllBytes();
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

    private static List<Tensor> legacyWeights(Path file, Group modelWeights, String layer) throws IOException {
        Node node = modelWeights.getChild(layer);
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
            Node ds = g.getByPath(name);
            if (!(ds instanceof Dataset d)) {
                throw new ModelFileException(file, "model_weights/" + layer + "/" + name, "listed in weight_names but missing");
            }
            out.add(tensor(file, "model_weights/" + layer + "/" + name, d));
        }
        return out;
    }

    private static List<Tensor> archiveWeights(Path file, Group layers, String layer) throws IOException {
        Node node = layers.getChild(layer);
        Node vars = node instanceof Group g ? g.getChild("vars") : null;
        if (!(vars instanceof Group v)) {
            throw new ModelFileException(file, "model.weights.h5:layers/" + layer + "/vars", "no weights for layer '" + layer + "'");
        }
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; v.getChild(Integer.toString(i)) instanceof Dataset d; i++) {
            out.add(tensor(file, "layers/" + layer + "/vars/" + i, d));
        }
        return out;
    }

    private static Tensor tensor(Path file, String path, Dataset d) throws ModelFileException {
        int[] shape = d.getDimensions();
        Object flat = d.getDataFlat();
        if (!(flat instanceof float[]) && !(flat instanceof double[])) {
            throw new ModelFileException(file, path, "weights must be float32 or float64, found " + d.getJavaType());
        }
        int n = Array.getLength(flat);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = flat instanceof float[] f ? f[i] : (float) ((double[]) flat)[i];
        }
        return new Tensor(path, shape, values);
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
