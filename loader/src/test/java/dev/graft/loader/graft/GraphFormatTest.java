package dev.graft.loader.graft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.conformance.GraphModels;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import dev.graft.loader.ModelFileException;
import dev.graft.reference.ReferenceBackend;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Graph models in Graft's format: edges stored (version 3) under the checksum, read strictly; chains as before. */
class GraphFormatTest {

    private static void assertSameModel(Model expected, Model actual) {
        assertEquals(expected.names(), actual.names());
        assertEquals(expected.inbound(), actual.inbound());
        assertEquals(expected.inputShapes(), actual.inputShapes());
        for (int i = 0; i < expected.size(); i++) {
            assertTrue(expected.layer(i).sameParameters(actual.layer(i)), expected.layer(i).name());
            assertEquals(expected.layer(i).trainable(), actual.layer(i).trainable(), expected.layer(i).name());
            assertEquals(expected.layer(i).inputShapes(), actual.layer(i).inputShapes(), expected.layer(i).name());
        }
    }

    private static float[] predict(Model model, float[] x, int rows) {
        float[] out = new float[rows * model.outputWidth()];
        try (ReferenceBackend backend = new ReferenceBackend();
             Network net = Networks.open(backend, NetworkPlan.inference(model, rows))) {
            net.predict(x, 0, rows, out, 0);
        }
        return out;
    }

    @Test
    void aResidualGraphRoundTripsBitForBit(@TempDir Path dir) throws Exception {
        Model model = Transfer.from(GraphModels.residual(4, 3)).freezeThrough("add").build();
        Path file = dir.resolve("residual.safetensors");
        GraftFormat.write(model, file);
        Model back = GraftFormat.read(file).model();
        assertSameModel(model, back);
        assertFalse(back.isChain());
        float[] x = new float[2 * model.inputWidth()];
        new SplittableRandom(1).doubles(x.length).forEach(new java.util.function.DoubleConsumer() {
            int i;
            @Override public void accept(double v) { x[i++] = (float) v; }
        });
        assertArrayEquals(predict(model, x, 2), predict(back, x, 2));
    }

    @Test
    void branchesAndSeveralInputsRoundTrip(@TempDir Path dir) throws Exception {
        for (Model model : List.of(GraphModels.twoInputs(2, 3), GraphModels.imageBranches(3, 2), GraphModels.branches(4, 2))) {
            Path file = dir.resolve("g.safetensors");
            GraftFormat.write(model, file);
            assertSameModel(model, GraftFormat.read(file).model());
        }
    }

    @Test
    void chainFilesAreWrittenAsBeforeEvenFromAnExplicitMap(@TempDir Path dir) throws Exception {
        Model chain = GraftFormatIntegrityTest.model();
        Model explicit = new Model(chain.layers(), Map.of("drop", List.of("hidden"), "out", List.of("drop")));
        Path a = dir.resolve("a.safetensors");
        Path b = dir.resolve("b.safetensors");
        GraftFormat.write(chain, a);
        GraftFormat.write(explicit, b);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        String header = new String(Files.readAllBytes(a), StandardCharsets.ISO_8859_1);
        assertTrue(header.contains("\\\"version\\\":2"), "a chain is version 2");
        assertFalse(header.contains("inbound"), "a chain stores no edges");
    }

    @Test
    void theEdgesAreCoveredByTheChecksum(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("r.safetensors");
        GraftFormat.write(GraphModels.residual(5, 2), file);
        String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        // The add now reads conv_a instead of conv_b: same shapes, same header length, another model.
        String damaged = text.replace("\\\"add\\\":[\\\"conv_b\\\",\\\"stem\\\"]", "\\\"add\\\":[\\\"conv_a\\\",\\\"stem\\\"]");
        assertFalse(damaged.equals(text));
        Files.write(file, damaged.getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(assertThrows(ModelFileException.class, () -> GraftFormat.read(file)).getMessage().contains("SHA-256"));
    }

    /** A re-sealed file whose edges were edited: the checksum passes, the strict reading must not. */
    private static String resealedError(Path dir, Model model, String from, String to) throws Exception {
        Path good = dir.resolve("good.safetensors");
        GraftFormat.write(model, good);
        Safetensors.Contents contents = Safetensors.read(good);
        Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
        for (Safetensors.Slot slot : contents.tensors().values()) {
            tensors.put(slot.name(), new Safetensors.Tensor(slot.shape(), contents.floats(slot.name(), slot.shape())));
        }
        String description = contents.metadata().get(GraftFormat.METADATA_KEY);
        assertTrue(description.contains(from), description);
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(GraftFormat.METADATA_KEY, description.replace(from, to));
        metadata.put(GraftChecksum.KEY, GraftChecksum.PLACEHOLDER);
        byte[] encoded = Safetensors.encode(tensors, metadata);
        GraftChecksum.seal(encoded, Safetensors.headerEnd(encoded));
        Path bad = dir.resolve("bad.safetensors");
        Files.write(bad, encoded);
        return assertThrows(ModelFileException.class, () -> GraftFormat.read(bad)).getMessage();
    }

    @Test
    void badEdgesAreRefusedNamingTheLayer(@TempDir Path dir) throws Exception {
        Model residual = GraphModels.residual(6, 2);
        String unknown = resealedError(dir, residual, "\"add\":[\"conv_b\",\"stem\"]", "\"add\":[\"conv_b\",\"nowhere\"]");
        assertTrue(unknown.contains("'nowhere', which is not a layer"), unknown);
        String forward = resealedError(dir, residual, "\"conv_a\":[\"stem\"]", "\"conv_a\":[\"relu_a\"]");
        assertTrue(forward.contains("'conv_a' takes input from 'relu_a'") && forward.contains("not an earlier layer"), forward);
        String dangling = resealedError(dir, residual, "\"relu\":[\"add\"]", "\"relu\":[\"conv_b\"]");
        assertTrue(dangling.contains("does not hold together") && dangling.contains("'add' feeds no layer"), dangling);
        String notAList = resealedError(dir, residual, "\"add\":[\"conv_b\",\"stem\"]", "\"add\":\"stem\"");
        assertTrue(notAList.contains("not a non-empty list"), notAList);
        String extra = resealedError(dir, residual, "\"inbound\":{", "\"inbound\":{\"ghost\":[\"stem\"],");
        assertTrue(extra.contains("'ghost'"), extra);
        Model two = GraphModels.twoInputs(1, 2);
        String shapes = resealedError(dir, two, "\"inputShapes\":[[4],[3]]", "\"inputShapes\":[[4],[2]]");
        assertTrue(shapes.contains("'db'") || shapes.contains("disagree"), shapes);
    }

    @Test
    void exportRefusesGraphsByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> dev.graft.loader.ModelExporters.export(GraphModels.branches(1, 2), Path.of("x"), "savedmodel"));
        assertTrue(e.getMessage().contains("cannot export a graph model") && e.getMessage().contains("'right'"), e.getMessage());
    }
}
