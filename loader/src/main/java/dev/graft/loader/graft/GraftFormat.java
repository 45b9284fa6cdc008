package dev.graft.loader.graft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Dropout;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.loader.AtomicFiles;
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
import java.util.Map;

/**
 * Graft's own model format: one safetensors file whose tensors are {@code <layer>.kernel}
 * ({@code [in, out]}, float32) and {@code <layer>.bias}, and whose {@code __metadata__} entry
 * {@code graft.model} holds a small JSON description of the layers (name, widths, activation,
 * trainable, dropout rate). One file, written atomically; reading it back gives a bit-identical model
 * with the same trainability.
 */
public final class GraftFormat {

    /** The metadata key holding the layer description. */
    public static final String METADATA_KEY = "graft.model";
    private static final ObjectMapper JSON = new ObjectMapper();

    private GraftFormat() {
    }

    /** Writes {@code model} to {@code file} (conventionally {@code *.safetensors}), replacing it atomically. */
    public static void write(Model model, Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", "graft").put("version", 1).put("inputWidth", model.inputWidth());
        ArrayNode layers = root.putArray("layers");
        Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
        for (Layer layer : model.layers()) {
            ObjectNode l = layers.addObject().put("name", layer.name());
            if (layer instanceof Dense d) {
                l.put("type", "dense").put("inputWidth", d.inputWidth()).put("outputWidth", d.outputWidth())
                        .put("activation", d.activation().toString()).put("trainable", d.trainable());
                tensors.put(d.name() + ".kernel", new Safetensors.Tensor(new long[] {d.inputWidth(), d.outputWidth()}, d.weights()));
                tensors.put(d.name() + ".bias", new Safetensors.Tensor(new long[] {d.outputWidth()}, d.bias()));
            } else if (layer instanceof Dropout p) {
                l.put("type", "dropout").put("width", p.width()).put("rate", p.rate()).put("trainable", p.trainable());
            }
        }
        AtomicFiles.write(file, Safetensors.encode(tensors, Map.of(METADATA_KEY, JSON.writeValueAsString(root))));
    }

    /** Whether {@code file} is a safetensors file carrying a Graft layer description. */
    public static boolean isGraftFile(Path file) {
        try {
            return Safetensors.read(file).metadata().containsKey(METADATA_KEY);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Reads a model written by {@link #write}. */
    public static LoadedModel read(Path file) throws IOException {
        Safetensors.Contents contents = Safetensors.read(file);
        String description = contents.metadata().get(METADATA_KEY);
        if (description == null) {
            throw new ModelFileException(file, "safetensors file has no '" + METADATA_KEY
                    + "' metadata: not a Graft model (plain safetensors carry no architecture)");
        }
        JsonNode root;
        try {
            root = JSON.readTree(description);
        } catch (IOException e) {
            throw new ModelFileException(file, METADATA_KEY, "layer description is not valid JSON", e);
        }
        if (!"graft".equals(root.path("format").asText()) || root.path("version").asInt() != 1) {
            throw new ModelFileException(file, METADATA_KEY, "unknown format/version " + root.path("format") + "/" + root.path("version"));
        }
        List<Layer> layers = new ArrayList<>();
        List<TensorLayer> origins = new ArrayList<>();
        for (JsonNode l : root.path("layers")) {
            String name = l.path("name").asText();
            boolean trainable = l.path("trainable").asBoolean(true);
            try {
                switch (l.path("type").asText()) {
                    case "dense" -> {
                        int in = l.path("inputWidth").asInt();
                        int out = l.path("outputWidth").asInt();
                        float[] w = contents.floats(name + ".kernel", new long[] {in, out});
                        float[] b = contents.floats(name + ".bias", new long[] {out});
                        Activation act = Activation.parse(l.path("activation").asText("identity"));
                        layers.add(new Dense(name, in, out, act, w, b, trainable));
                        origins.add(new TensorLayer(name, name + ".kernel", name + ".bias", act, false));
                    }
                    case "dropout" -> layers.add(new Dropout(name, l.path("width").asInt(),
                            (float) l.path("rate").asDouble(), trainable));
                    default -> throw new ModelFileException(file, name, "unknown layer type " + l.path("type"));
                }
            } catch (IllegalArgumentException e) {
                throw new ModelFileException(file, name, e.getMessage(), e);
            }
        }
        try {
            Model model = new Model(layers);
            return new LoadedModel(model, new LoadReport(file, ModelFormat.GRAFT, origins, List.of(), List.of()));
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, METADATA_KEY, e.getMessage(), e);
        }
    }
}
