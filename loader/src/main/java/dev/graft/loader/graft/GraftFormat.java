package dev.graft.loader.graft;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.Dense;
import dev.graft.Layer;
import dev.graft.LayerDescription;
import dev.graft.LayerTypes;
import dev.graft.Model;
import dev.graft.Parameter;
import dev.graft.Shape;
import dev.graft.loader.AtomicFiles;
import dev.graft.loader.LayerAssembler;
import dev.graft.loader.LayerRecipe;
import dev.graft.loader.LoadReport;
import dev.graft.loader.LoadedModel;
import dev.graft.loader.ModelFileException;
import dev.graft.loader.ModelFormat;
import dev.graft.loader.TensorLayer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Graft's own model format: one safetensors file holding one float32 tensor per layer parameter,
 * named {@code <layer>.<parameter>} (a dense layer's {@code <layer>.kernel} {@code [in, out]} and
 * {@code <layer>.bias}); in its {@code __metadata__}, {@code graft.model} holds a JSON description
 * (the model's input shape and, per layer, its name, {@link LayerDescription} — type and
 * configuration —, trainability and parameter names, roles and shapes) and {@code graft.sha256} a
 * checksum of the whole file ({@link GraftChecksum}). Written and read generically for every layer
 * type a {@link dev.graft.LayerType} registers, so a new type needs no code here. One file, written
 * atomically; reading it back gives a bit-identical model with the same trainability, and a damaged
 * file is an error, never a different model. Files of version 1 (dense and dropout layers, no
 * checksum) are still read, with a note that nothing could be verified.
 */
public final class GraftFormat {

    /** The metadata key holding the layer description. */
    public static final String METADATA_KEY = "graft.model";
    /** The version written: 2, layer descriptions with the {@code graft.sha256} checksum; 1 is still read. */
    public static final int VERSION = 2;
    /** The version written for graph models (not chains): version 2 plus the graph's edges ({@link GraftGraph}). */
    public static final int GRAPH_VERSION = 3;
    private static final System.Logger LOG = System.getLogger(GraftFormat.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final String COMPONENT = "Graft's model format";

    private GraftFormat() {
    }

    /**
     * Writes {@code model} to {@code file} (conventionally {@code *.safetensors}), replacing it atomically.
     *
     * @throws IllegalArgumentException naming the layer when its type has no registered
     *         {@link dev.graft.LayerType} (the file could not be read back)
     */
    public static void write(Model model, Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", "graft").put("version", model.isChain() ? VERSION : GRAPH_VERSION);
        root.set("inputShape", DescriptionJson.shape(model.inputShape()));
        ArrayNode layers = root.putArray("layers");
        Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
        for (Layer layer : model.layers()) {
            LayerDescription description = layer.description();
            if (LayerTypes.find(description.type()).isEmpty()) {
                throw new IllegalArgumentException("layer '" + layer.name() + "' (type " + description.type()
                        + ") cannot be written by " + COMPONENT + ": no registered dev.graft.LayerType reads '"
                        + description.type() + "' back (known: " + LayerTypes.all().keySet() + ")");
            }
            ObjectNode l = layers.addObject().put("name", layer.name()).put("type", description.type())
                    .put("trainable", layer.trainable());
            l.set("config", DescriptionJson.config(description));
            ArrayNode params = l.putArray("parameters");
            for (Parameter p : layer.parameters()) {
                ObjectNode pn = params.addObject().put("name", p.name()).put("role", p.role().name().toLowerCase(Locale.ROOT));
                pn.set("shape", DescriptionJson.shape(p.shape()));
                tensors.put(layer.name() + "." + p.name(),
                        new Safetensors.Tensor(DescriptionJson.longs(p.shape()), layer.parameterValues(p.name())));
            }
        }
        if (!model.isChain()) {
            GraftGraph.write(model, root);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(METADATA_KEY, JSON.writeValueAsString(root));
        metadata.put(GraftChecksum.KEY, GraftChecksum.PLACEHOLDER);
        byte[] encoded = Safetensors.encode(tensors, metadata);
        GraftChecksum.seal(encoded, Safetensors.headerEnd(encoded));
        AtomicFiles.write(file, encoded);
    }

    /** Whether {@code file} is a safetensors file carrying a Graft layer description. */
    public static boolean isGraftFile(Path file) {
        try {
            return Safetensors.read(file).metadata().containsKey(METADATA_KEY);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Reads a model written by {@link #write} (or by version 1). The file's SHA-256 is checked and the
     * description read strictly: no unknown or missing field, every layer recreated by its registered
     * type must describe itself exactly as stored, and every tensor must belong to a parameter.
     */
    public static LoadedModel read(Path file) throws IOException {
        Safetensors.Contents contents = Safetensors.read(file);
        List<String> notes = new ArrayList<>();
        for (String key : contents.metadata().keySet()) {
            if (!key.equals(METADATA_KEY) && !key.equals(GraftChecksum.KEY)) {
                throw new ModelFileException(file, "__metadata__." + key, "unknown metadata key in a Graft model "
                        + "(damaged header, or not written by Graft)");
            }
        }
        String description = contents.metadata().get(METADATA_KEY);
        if (description == null) {
            throw new ModelFileException(file, "safetensors file has no '" + METADATA_KEY
                    + "' metadata: not a Graft model (plain safetensors carry no architecture)");
        }
        String digest = contents.metadata().get(GraftChecksum.KEY);
        if (digest != null) {
            GraftChecksum.verify(file, contents.bytes(), contents.dataStart(), digest);
            notes.add("SHA-256 of the whole file verified");
        }
        JsonNode root;
        try {
            root = JSON.readTree(description);
        } catch (IOException e) {
            throw new ModelFileException(file, METADATA_KEY, "layer description is not valid JSON", e);
        }
        if (digest == null && !(root != null && root.path("version").isInt() && root.path("version").intValue() == 1)) {
            throw new ModelFileException(file, GraftChecksum.KEY, "version " + (root == null ? null : root.get("version"))
                    + " file without its checksum (damaged header; only version-1 files were written without one)");
        }
        int version = GraftDescription.root(file, root);
        if (digest == null) {
            String note = "no checksum: written by a Graft version before checksums (format version 1), so damage "
                    + "to its weights cannot be detected; save it again to add one";
            notes.add(note);
            // Every command that loads the file should show this, not only inspect: say it in the log too.
            LOG.log(System.Logger.Level.WARNING, () -> file + ": " + note);
        }
        Shape input;
        try {
            input = version == 1 ? Shape.vector(positive(root.path("inputWidth"), "inputWidth"))
                    : DescriptionJson.shape(root.path("inputShape"));
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, METADATA_KEY, "bad input shape: " + e.getMessage(), e);
        }
        List<LayerRecipe> recipes = new ArrayList<>();
        Map<String, Shape> storedShapes = new LinkedHashMap<>();
        for (JsonNode l : root.path("layers")) {
            String name = GraftDescription.layer(file, l, version);
            try {
                LayerRecipe recipe = version == 1 ? GraftFormatV1.recipe(l) : recipe(l, storedShapes);
                recipes.add(recipes.isEmpty() && recipe.inputShape() == null ? recipe.withInputShape(input) : recipe);
            } catch (IllegalArgumentException e) {
                throw new ModelFileException(file, name, e.getMessage(), e);
            }
        }
        if (version == 1) {
            GraftFormatV1.shapes(root, storedShapes);
        }
        GraftDescription.allTensorsUsed(file, contents.tensors().keySet(), storedShapes.keySet());
        if (version != GRAPH_VERSION && !recipes.get(0).inputShape().equals(input)) {
            throw new ModelFileException(file, METADATA_KEY, "the model's input shape " + input + " is not what its first layer '"
                    + recipes.get(0).name() + "' takes, " + recipes.get(0).inputShape());
        }
        LayerAssembler.Tensors tensors = (recipe, parameter, src) -> {
            Shape shape = storedShapes.get(src.tensor());
            if (shape == null) {
                throw new ModelFileException(file, src.tensor(), "layer '" + recipe.name() + "' needs parameter '"
                        + parameter + "' but the description lists no such tensor");
            }
            float[] values = contents.floats(src.tensor(), DescriptionJson.longs(shape));
            return new LayerAssembler.Tensor(src.tensor(), shape.dims(), values);
        };
        Model model = version == GRAPH_VERSION ? GraftGraph.read(file, root, recipes, tensors)
                : LayerAssembler.model(file, recipes, tensors, "the layer descriptions disagree");
        if (version != 1) {
            GraftDescription.describedAsStored(file, model, root.path("layers"));
        }
        List<TensorLayer> origins = new ArrayList<>();
        for (Layer layer : model.layers()) {
            if (layer instanceof Dense d) {
                origins.add(new TensorLayer(d.name(), d.name() + ".kernel", d.name() + ".bias", d.activation(), false));
            }
        }
        return new LoadedModel(model, new LoadReport(file, ModelFormat.GRAFT, origins, List.of(), notes));
    }

    /** One version-2 layer entry as a recipe: description, trainability, and one stored tensor per listed parameter. */
    private static LayerRecipe recipe(JsonNode l, Map<String, Shape> storedShapes) {
        String name = l.get("name").textValue();
        LayerDescription description = DescriptionJson.description(l.get("type").textValue(), l.get("config"));
        Map<String, LayerRecipe.Source> params = new LinkedHashMap<>();
        for (JsonNode p : l.get("parameters")) {
            String tensor = name + "." + p.get("name").textValue();
            if (storedShapes.put(tensor, DescriptionJson.shape(p.get("shape"))) != null) {
                throw new IllegalArgumentException("tensor '" + tensor + "' is listed twice");
            }
            params.put(p.get("name").textValue(), new LayerRecipe.Source(tensor, false));
        }
        return new LayerRecipe(name, description, l.get("trainable").booleanValue(), params, null);
    }

    static int positive(JsonNode node, String what) {
        if (!node.canConvertToInt() || node.asInt() <= 0) {
            throw new IllegalArgumentException(what + " " + node + " is not a positive int");
        }
        return node.asInt();
    }

    /** The configuration as Graft writes it, for comparing a recreated layer with its stored entry. */
    static String canonicalConfig(LayerDescription description) throws IOException {
        return JSON.writeValueAsString(DescriptionJson.config(description));
    }

    static String canonical(JsonNode node) throws IOException {
        return JSON.writeValueAsString(node);
    }
}
