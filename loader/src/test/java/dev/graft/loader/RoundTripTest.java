package dev.graft.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.loader.tf.TensorBundle;
import dev.graft.loader.tf.TfCheckpointWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Save → load gives back the same model: bit-identical parameters, same layers, activations, trainability. */
class RoundTripTest {

    /** The seed's network after surgery: two frozen layers, a trainable one, dropout, a fresh head. */
    static Model seedLike() {
        Model m = Model.builder(500, 42)
                .dense("hidden1", 300, Activation.RELU)
                .dense("hidden2", 100, Activation.RELU)
                .dense("hidden3", 50, Activation.leakyRelu(0.2f))
                .dropout("drop", 0.3f)
                .dense("output", 5, Activation.SOFTMAX)
                .build();
        m = m.with(0, m.layer(0).withTrainable(false)).with(1, m.layer(1).withTrainable(false));
        // Non-zero biases and awkward float values, so bias and bit-exactness are really checked.
        Dense out = (Dense) m.layer(4);
        float[] b = {-0.0f, Float.MIN_VALUE, 1e-38f, 3.4e38f, -1.5f};
        return m.with(4, out.withParameters(out.weights(), b));
    }

    static void assertSameModel(Model expected, Model actual, boolean compareTrainable) {
        assertEquals(expected.names(), actual.names());
        for (int i = 0; i < expected.size(); i++) {
            Layer e = expected.layer(i);
            Layer a = actual.layer(i);
            assertEquals(e.getClass(), a.getClass());
            assertEquals(e.inputWidth(), a.inputWidth());
            assertEquals(e.outputWidth(), a.outputWidth());
            if (compareTrainable) {
                assertEquals(e.trainable(), a.trainable(), e.name());
            }
            if (e instanceof Dense de) {
                Dense da = (Dense) a;
                assertEquals(de.activation(), da.activation(), e.name());
                assertTrue(de.sameParameters(da), "parameters of " + e.name() + " are bit-identical");
            } else {
                assertEquals(e, compareTrainable ? a : a.withTrainable(e.trainable()));
            }
        }
    }

    @Test
    void graftFormatIsExact(@TempDir Path tmp) throws Exception {
        Model m = seedLike();
        Path file = tmp.resolve("model.safetensors");
        Models.save(m, file, ModelFormat.GRAFT);
        LoadedModel back = Models.load(file);
        assertEquals(ModelFormat.GRAFT, back.report().format());
        assertSameModel(m, back.model(), true);
        assertEquals(ModelFormat.GRAFT, Models.load(tmp).report().format(), "a directory with one Graft file loads too");
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void graftFileDamageIsReportedWithTheTensor(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("m.safetensors");
        Models.save(seedLike(), file, ModelFormat.GRAFT);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        ModelFileException e = assertThrows(ModelFileException.class, () -> Models.load(file));
        assertTrue(e.getMessage().contains("m.safetensors") && e.getMessage().contains("output.kernel"), e.getMessage());
    }

    @Test
    void tfCheckpointIsExactWithTfNames(@TempDir Path tmp) throws Exception {
        Model m = seedLike();
        Path prefix = tmp.resolve("model.ckpt");
        Models.save(m, prefix, ModelFormat.TF_CHECKPOINT);
        TensorBundle bundle = TensorBundle.open(prefix);
        assertEquals(List.of("hidden1/biases", "hidden1/weights", "hidden2/biases", "hidden2/weights", "hidden3/biases",
                "hidden3/weights", "output/biases", "output/weights"), List.copyOf(bundle.entries().keySet()));
        LoadedModel back = Models.load(prefix);
        // Trainability has no place in a checkpoint; the dropout (no variables) comes back from the .meta graph.
        assertSameModel(m, back.model(), false);
        assertTrue(back.report().notes().contains("dropout 'drop': rate 0.3 from drop/GreaterEqual"),
                back.report().notes().toString());
        assertTrue(back.report().notes().stream().anyMatch(n -> n.startsWith("architecture from the graph")),
                back.report().notes().toString());
    }

    @Test
    void kernelBiasNaming(@TempDir Path tmp) throws Exception {
        Path prefix = tmp.resolve("k");
        TfCheckpointWriter.write(seedLike(), prefix, TfCheckpointWriter.Naming.KERNEL_BIAS);
        assertTrue(TensorBundle.open(prefix).entries().containsKey("hidden2/kernel"));
        assertEquals("hidden2/bias", Models.load(prefix).report().layers().get(1).bias());
    }
}
