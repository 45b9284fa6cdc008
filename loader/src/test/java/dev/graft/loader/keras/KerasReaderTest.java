package dev.graft.loader.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Dense;
import dev.graft.Dropout;
import dev.graft.Model;
import dev.graft.loader.Fixtures;
import dev.graft.loader.LoadedModel;
import dev.graft.loader.ModelFileException;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three real Keras files, plus Keras 3 files built here with jhdf's writer. */
class KerasReaderTest {

    static String describe(Model m) {
        StringBuilder sb = new StringBuilder().append(m.inputWidth());
        for (var l : m.layers()) {
            sb.append(" -> ").append(l.name()).append(' ').append(l.outputWidth());
            if (l instanceof Dense d) {
                sb.append(' ').append(d.activation());
            } else {
                sb.append(" dropout");
            }
        }
        return sb.toString();
    }

    @Test
    void keras214IrisModelIgnoresOptimizerWeights() throws Exception {
        LoadedModel lm = KerasReader.readH5(Fixtures.kerasH5("iris_model.h5"));
        assertEquals("4 -> dense_1 20 relu -> dense_2 3 softmax", describe(lm.model()));
        assertEquals(13, lm.report().skipped().size(), lm.report().skipped().toString());
        assertTrue(lm.report().skipped().stream().allMatch(s -> s.name().startsWith("/optimizer_weights/")));
        assertEquals("model_weights/dense_1/dense_1/kernel:0", lm.report().layers().get(0).weights());
        try (HdfFile h5 = new HdfFile(Fixtures.kerasH5("iris_model.h5"))) {
            float[][] k = (float[][]) h5.getDatasetByPath("/model_weights/dense_2/dense_2/kernel:0").getData();
            float[] w = ((Dense) lm.model().layer(1)).weights();
            assertEquals(k[7][2], w[7 * 3 + 2]);
            assertEquals(k[19][0], w[19 * 3]);
        }
    }

    @Test
    void keras208AndKeras1Files() throws Exception {
        assertEquals("4 -> dense_1 4 relu -> dense_2 3 sigmoid", describe(KerasReader.readH5(Fixtures.kerasH5("model.h5")).model()));
        LoadedModel k1 = KerasReader.readH5(Fixtures.kerasH5("model_keras_1.h5"));
        assertEquals("4 -> dense_1 4 relu -> dense_2 3 sigmoid", describe(k1.model()));
        assertEquals("model_weights/dense_1/dense_1_b:0", k1.report().layers().get(0).bias());
        assertTrue(k1.report().skipped().isEmpty());
    }

    static final String KERAS3_CONFIG = """
            {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": [
              {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 3], "name": "input_layer"}},
              {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 4, "activation": "linear", "use_bias": true, "trainable": false}},
              {"module": "keras.layers", "class_name": "LeakyReLU", "config": {"name": "leaky", "negative_slope": 0.1}},
              {"module": "keras.layers", "class_name": "Dropout", "config": {"name": "drop", "rate": 0.25}},
              {"module": "keras.layers", "class_name": "Dense", "config": {"name": "head", "units": 2, "activation": "softmax"}},
              {"module": "keras.layers", "class_name": "Activation", "config": {"name": "noop", "activation": "linear"}}
            ]}}""";

    private static void putLayer(WritableGroup layers, String name, float[][] kernel, float[] bias) {
        WritableGroup vars = layers.putGroup(name).putGroup("vars");
        vars.putDataset("0", kernel);
        vars.putDataset("1", bias);
    }

    /** A {@code .keras} archive of {@code config} and the weights file, as {@code file}. */
    private static Path archive(Path file, String config, Path weights) throws Exception {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry("config.json"));
            zip.write(config.getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry("model.weights.h5"));
            zip.write(Files.readAllBytes(weights));
        }
        return file;
    }

    @Test
    void keras3ArchiveWithFoldedActivationsAndDropout(@TempDir Path tmp) throws Exception {
        Path weights = tmp.resolve("model.weights.h5");
        float[][] k0 = {{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}};
        try (WritableHdfFile h5 = HdfFile.write(weights)) {
            WritableGroup layers = h5.putGroup("layers");
            putLayer(layers, "dense", k0, new float[] {0.5f, 0, 0, -1});
            putLayer(layers, "head", new float[][] {{1, 0}, {0, 1}, {1, 1}, {2, 2}}, new float[] {0, 1});
        }
        Path keras = archive(tmp.resolve("m.keras"), KERAS3_CONFIG, weights);
        LoadedModel lm = KerasReader.readArchive(keras);
        assertEquals("3 -> dense 4 leaky_relu(0.1) -> drop 4 dropout -> head 2 softmax", describe(lm.model()));
        Dense first = (Dense) lm.model().layer(0);
        assertFalse(first.trainable(), "Keras trainable=false is kept");
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, first.weights());
        assertEquals(0.25f, ((Dropout) lm.model().layer(1)).rate());
    }

    @Test
    void anActivationThatCannotFoldIsALayerOfItsOwn(@TempDir Path tmp) throws Exception {
        String config = """
                {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": [
                  {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 3], "name": "input_layer"}},
                  {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 4, "activation": "relu"}},
                  {"module": "keras.layers", "class_name": "Dropout", "config": {"name": "drop", "rate": 0.5}},
                  {"module": "keras.layers", "class_name": "Activation", "config": {"name": "act", "activation": "tanh"}},
                  {"module": "keras.layers", "class_name": "Dense", "config": {"name": "head", "units": 2, "activation": "softmax"}}
                ]}}""";
        Path weights = tmp.resolve("model.weights.h5");
        try (WritableHdfFile h5 = HdfFile.write(weights)) {
            WritableGroup layers = h5.putGroup("layers");
            putLayer(layers, "dense", new float[][] {{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}}, new float[] {0, 0, 0, 1});
            putLayer(layers, "head", new float[][] {{1, 0}, {0, 1}, {1, 1}, {2, 2}}, new float[] {0, 1});
        }
        Path keras = archive(tmp.resolve("m.keras"), config, weights);
        Model m = KerasReader.readArchive(keras).model();
        assertEquals(List.of("dense", "drop", "act", "head"), m.names());
        assertEquals(new dev.graft.ActivationLayer("act", dev.graft.Shape.vector(4), dev.graft.Activation.TANH, true), m.layer("act"));
        assertEquals(dev.graft.Activation.RELU, ((Dense) m.layer("dense")).activation(), "the Dense keeps its own activation");
    }

    @Test
    void keras3LegacyH5(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("legacy.h5");
        try (WritableHdfFile h5 = HdfFile.write(file)) {
            h5.putAttribute("keras_version", "3.3.3");
            h5.putAttribute("model_config", KERAS3_CONFIG);
            WritableGroup weights = h5.putGroup("model_weights");
            weights.putAttribute("layer_names", new String[] {"input_layer", "dense", "leaky", "drop", "head", "noop"});
            // Weightless layers get a group with an empty weight_names in real files; jhdf cannot write an empty
            // string array, and the reader never looks them up, so they are left out here.
            WritableGroup dense = weights.putGroup("dense");
            dense.putAttribute("weight_names", new String[] {"sequential/dense/kernel", "sequential/dense/bias"});
            WritableGroup dv = dense.putGroup("sequential").putGroup("dense");
            dv.putDataset("kernel", new float[][] {{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}});
            dv.putDataset("bias", new float[] {1, 2, 3, 4});
            WritableGroup head = weights.putGroup("head");
            head.putAttribute("weight_names", new String[] {"sequential/head/kernel", "sequential/head/bias"});
            WritableGroup hv = head.putGroup("sequential").putGroup("head");
            hv.putDataset("kernel", new float[][] {{1, 0}, {0, 1}, {1, 1}, {2, 2}});
            hv.putDataset("bias", new float[] {0, 1});
        }
        LoadedModel lm = KerasReader.readH5(file);
        assertEquals("3 -> dense 4 leaky_relu(0.1) -> drop 4 dropout -> head 2 softmax", describe(lm.model()));
        assertArrayEquals(new float[] {1, 2, 3, 4}, ((Dense) lm.model().layer(0)).bias());
        assertTrue(lm.report().notes().get(0).contains("3.3.3"), lm.report().notes().toString());
    }

    @Test
    void hdf5ThatIsNotAKerasModel(@TempDir Path tmp) throws Exception {
        Path plain = tmp.resolve("data.h5");
        try (WritableHdfFile h5 = HdfFile.write(plain)) {
            h5.putDataset("x", new float[] {1, 2, 3});
        }
        ModelFileException e = assertThrows(ModelFileException.class, () -> KerasReader.readH5(plain));
        assertTrue(e.getMessage().contains("data.h5") && e.getMessage().contains("not a Keras model"), e.getMessage());
        Path garbage = tmp.resolve("garbage.h5");
        Files.write(garbage, new byte[] {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n', 1, 2, 3});
        ModelFileException g = assertThrows(ModelFileException.class, () -> KerasReader.readH5(garbage));
        assertTrue(g.getMessage().contains("garbage.h5"), g.getMessage());
    }

    @Test
    void kerasConfigRejectsUnsupportedLayersByName(@TempDir Path tmp) throws Exception {
        String conv = "{\"class_name\": \"Sequential\", \"config\": [{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"conv_1\"}}]}";
        ModelFileException e = assertThrows(ModelFileException.class, () -> KerasConfig.parse(tmp.resolve("x.h5"), conv));
        assertTrue(e.getMessage().contains("conv_1") && e.getMessage().contains("Conv2D"), e.getMessage());
    }
}
