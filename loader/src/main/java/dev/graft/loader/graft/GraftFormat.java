package dev.graft.loader.graft;

import com.fasterxml.jackson.core.JsonParser;
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
 * trainable, dropout rate), and {@code graft.sha256} a checksum of the whole file ({@link GraftChecksum}).
 * One file, written atomically; reading it back gives a bit-identical model with the same trainability,
 * and a damaged file is an error, never a different model.
 */
public final class GraftFormat {

    /** The metadata key holding the layer description. */
    public static final String METADATA_KEY = "graft.model";
    private static final System.Logger LOG = System.getLogger(GraftFormat.class.getName());
    /** 2: with the {@code graft.sha256} checksum; 1: without (still read, reported). */
    static final int VERSION = 2;
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private GraftFormat() {
    }

    /** Writes {@code model} to {@code file} (conventionally {@code *.safetensors}), replacing it atomically. */
    public static void write(Model model, Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", "graft").put("version", VERSION).put("inputWidth", model.inputWidth());
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
     * Reads a model written by {@link #write}. The file's SHA-256 is checked and the description read
     * strictly (no unknown or missing field, no unknown activation); files from before the checksum
     * (version 1) are read with a note saying nothing could be verified.
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
        int version = GraftDescription.root(file, root);
        if (digest == null) {
            if (version != 1) {
                throw new ModelFileException(file, GraftChecksum.KEY, "version " + version + " file without its "
                        + "checksum (damaged header)");
            }
            String note = "no checksum: written by a Graft version before checksums (format version 1), so damage "
                    + "to its weights cannot be detected; save it again to add one";
            notes.add(note);
            // Every command that loads the file should show this, not only inspect: say it in the log too.
            LOG.log(System.Logger.Level.WARNING, () -> file + ": " + note);
        }
        List<Layer> layers = new ArrayList<>();
        List<TensorLayer> origins = new ArrayList<>();
        for (JsonNode l : root.get("layers")) {
            String name = GraftDescription.layer(file, l);
            boolean trainable = l.get("trainable").booleanValue();
            try {
                switch (l.get("type").textValue()) {
                    case "dense" -> {
                        int in = l.get("inputWidth").intValue();
                        int out = l.get("outputWidth").intValue();
                        float[] w = contents.floats(name + ".kernel", new long[] {in, out});
                        float[] b = contents.floats(name + ".bias", new long[] {out});
                        Activation act = Activation.parse(l.get("activation").textValue());
                        layers.add(new Dense(name, in, out, act, w, b, trainable));
                        origins.add(new TensorLayer(name, name + ".kernel", name + ".bias", act, false));
                    }
                    case "dropout" -> layers.add(new Dropout(name, l.get("width").intValue(),
                            (float) l.get("rate").doubleValue(), trainable));
                    default -> throw new ModelFileException(file, name, "unknown layer type " + l.get("type"));
                }
            } catch (IllegalArgumentException e) {
                throw new ModelFileException(file, name, e.getMessage(), e);
            }
        }
        GraftDescription.allTensorsUsed(file, contents.tensors().keySet(), origins);
        try {
            Model model = new Model(layers);
            if (model.inputWidth() != root.get("inputWidth").intValue()) {
                throw new ModelFileException(file, METADATA_KEY, "inputWidth " + root.get("inputWidth")
                        + " but the first layer takes " + model.inputWidth());
            }
            return new LoadedModel(model, new LoadReport(file, ModelFormat.GRAFT, origins, List.of(), notes));
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, METADATA_KEY, e.getMessage(), e);
        }
    }
}
