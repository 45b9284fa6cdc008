package dev.graft.loader.graft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.ActivationLayer;
import dev.graft.Dense;
import dev.graft.Dropout;
import dev.graft.Layer;
import dev.graft.LayerDescription;
import dev.graft.Model;
import dev.graft.Parameter;
import dev.graft.Shape;
import dev.graft.Transfer;
import dev.graft.conformance.ScaleLayer;
import dev.graft.exec.LayerOp;
import dev.graft.exec.OpContext;
import dev.graft.loader.LoadedModel;
import dev.graft.loader.ModelFileException;
import dev.graft.loader.ModelSummary;
import dev.graft.loader.tf.TfCheckpointWriter;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Graft's format is driven by layer descriptions: a layer type defined only in test code
 * ({@link ScaleLayer}, registered by the api test-jar's service file) saves and loads bit for bit,
 * state included; a type nobody registered is refused by name on write and on read; files of the
 * previous version still load.
 */
class LayerFormatTest {

    private static Model toyModel() {
        Model m = Model.builder(4, 3).dense("h", 5, Activation.RELU).add(ScaleLayer.spec("scale", 0.5f))
                .dropout("drop", 0.25f).activation("act", Activation.TANH).dense("out", 2, Activation.SOFTMAX).build();
        ScaleLayer s = (ScaleLayer) m.layer("scale");
        // A state that is not all zeros, so that the round trip is seen to carry it.
        m = m.with(1, s.withParameters(Map.of("mean", new float[] {0.5f, -1f, 2f, 0f, 1e-7f})));
        return Transfer.from(m).freezeThrough("scale").build();
    }

    @Test
    void aLayerTypeFromTestCodeRoundTripsBitForBit(@TempDir Path dir) throws Exception {
        Model model = toyModel();
        Path file = dir.resolve("toy.safetensors");
        GraftFormat.write(model, file);
        Model back = GraftFormat.read(file).model();
        SameLayers.assertSameLayers(model, back);
        assertTrue(back.layer("scale") instanceof ScaleLayer, "recreated by its registered LayerType");
        assertEquals(model.layer("scale"), back.layer("scale"));
    }

    @Test
    void theSummaryHasARowForEveryLayerType() {
        ModelSummary s = ModelSummary.of(new LoadedModel(toyModel(),
                new dev.graft.loader.LoadReport(Path.of("toy"), dev.graft.loader.ModelFormat.GRAFT, List.of(), List.of(), List.of())));
        assertEquals(List.of("dense", "test_scale(momentum=0.5)", "dropout(rate=0.25)", "activation", "dense"),
                s.layers().stream().map(ModelSummary.Row::kind).toList());
        assertEquals(10, s.layers().get(1).parameters(), "scale and mean, 5 each");
        assertEquals("tanh", s.layers().get(3).activation());
        assertTrue(s.toTable().contains("test_scale(momentum=0.5)"), s.toTable());
    }

    /** A layer whose type no LayerType registers. */
    private record Unregistered(String name) implements Layer {
        @Override public Shape inputShape() { return Shape.vector(5); }
        @Override public Shape outputShape() { return Shape.vector(5); }
        @Override public boolean trainable() { return false; }
        @Override public Layer withTrainable(boolean t) { return this; }
        @Override public Layer withName(String n) { return new Unregistered(n); }
        @Override public List<Parameter> parameters() { return List.of(); }
        @Override public FloatBuffer parameterView(String n) { throw new IllegalArgumentException(n); }
        @Override public Layer withParameters(Map<String, float[]> v) { return this; }
        @Override public LayerDescription description() { return LayerDescription.of("test_unregistered"); }
        @Override public LayerOp op(OpContext context) { throw new UnsupportedOperationException(); }
    }

    @Test
    void writersRefuseALayerTheyCannotWriteByName(@TempDir Path dir) throws Exception {
        Model model = new Model(List.of(new Dense("h", 3, 5, Activation.RELU, new float[15], new float[5]),
                new Unregistered("mystery")));
        Path file = dir.resolve("m.safetensors");
        IllegalArgumentException graft = assertThrows(IllegalArgumentException.class, () -> GraftFormat.write(model, file));
        assertTrue(graft.getMessage().contains("'mystery'") && graft.getMessage().contains("test_unregistered")
                && graft.getMessage().contains("Graft's model format"), graft.getMessage());
        assertFalse(Files.exists(file), "nothing half-written");

        Path prefix = dir.resolve("ckpt");
        IllegalArgumentException tf = assertThrows(IllegalArgumentException.class,
                () -> TfCheckpointWriter.write(toyModel(), prefix, TfCheckpointWriter.Naming.WEIGHTS_BIASES));
        assertTrue(tf.getMessage().contains("'scale'") && tf.getMessage().contains("test_scale")
                && tf.getMessage().contains("TF checkpoint writer"), tf.getMessage());
        assertFalse(Files.exists(Path.of(prefix + ".index")), "no checkpoint left behind");
    }

    @Test
    void readingAnUnregisteredTypeNamesTheLayerAndType(@TempDir Path dir) throws Exception {
        String meta = "{\"format\":\"graft\",\"version\":2,\"inputShape\":[3],\"layers\":[{\"name\":\"odd\","
                + "\"type\":\"test_unregistered\",\"trainable\":true,\"config\":{},\"parameters\":[]}]}";
        Path file = dir.resolve("odd.safetensors");
        Map<String, String> metadata = new java.util.LinkedHashMap<>();
        metadata.put(GraftFormat.METADATA_KEY, meta);
        metadata.put(GraftChecksum.KEY, GraftChecksum.PLACEHOLDER);
        byte[] encoded = Safetensors.encode(Map.of(), metadata);
        GraftChecksum.seal(encoded, Safetensors.headerEnd(encoded));
        Files.write(file, encoded);
        ModelFileException e = assertThrows(ModelFileException.class, () -> GraftFormat.read(file));
        assertTrue(e.getMessage().contains("odd") && e.getMessage().contains("test_unregistered"), e.getMessage());
    }

    @Test
    void filesOfThePreviousVersionStillLoad(@TempDir Path dir) throws Exception {
        float[] w = {1, 2, 3, 4, 5, 6};
        float[] b = {0.5f, -0.5f};
        String meta = "{\"format\":\"graft\",\"version\":1,\"inputWidth\":3,\"layers\":["
                + "{\"name\":\"h\",\"type\":\"dense\",\"inputWidth\":3,\"outputWidth\":2,\"activation\":\"leaky_relu(0.2)\",\"trainable\":false},"
                + "{\"name\":\"drop\",\"type\":\"dropout\",\"width\":2,\"rate\":0.3,\"trainable\":true}]}";
        Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
        tensors.put("h.kernel", new Safetensors.Tensor(new long[] {3, 2}, w));
        tensors.put("h.bias", new Safetensors.Tensor(new long[] {2}, b));
        Path file = dir.resolve("v1.safetensors");
        Files.write(file, Safetensors.encode(tensors, Map.of(GraftFormat.METADATA_KEY, meta)));
        Model m = GraftFormat.read(file).model();
        Dense h = (Dense) m.layer("h");
        assertArrayEquals(w, h.weights());
        assertArrayEquals(b, h.bias());
        assertEquals(Activation.leakyRelu(0.2f), h.activation());
        assertFalse(h.trainable());
        assertEquals(new Dropout("drop", 2, 0.3f, true), m.layer("drop"));
        // Written again, it is a version-2 file with the same model.
        GraftFormat.write(m, file);
        Model again = GraftFormat.read(file).model();
        assertTrue(h.sameParameters((Dense) again.layer("h")));
        assertEquals(m.layer("drop"), again.layer("drop"));
        assertTrue(new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.UTF_8).contains("\\\"version\\\":2"));
    }

    @Test
    void activationLayersRoundTrip(@TempDir Path dir) throws Exception {
        Model m = new Model(List.of(new ActivationLayer("a", Shape.of(2, 3), Activation.elu(0.5f), false)));
        Path file = dir.resolve("a.safetensors");
        GraftFormat.write(m, file);
        assertEquals(m.layer(0), GraftFormat.read(file).model().layer(0));
    }
}
