package dev.graft.loader.tf;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.loader.graft.GraftFormat;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.OpList;
import org.tensorflow.proto.SavedModel;

/**
 * Writes the fuzz corpus's seed models (committed under {@code loader/src/test/resources/fuzz/<format>/seed}):
 * one small model, {@code 5 -> hidden 7 relu -> output 3 softmax}, in every format the loader reads, laid
 * out as the real tools lay them out (a TF1 training graph with its op list, stored {@code .keras} entries).
 * Run {@code main} with the corpus folder to regenerate them; the widths are all different so that a
 * transposed or swapped matrix cannot fit by accident.
 */
public final class FuzzSeeds {

    /** The formats, as folder names under the corpus. */
    public static final List<String> FORMATS = List.of("graft", "tf-checkpoint", "saved-model", "keras-h5", "keras-archive",
            "keras-h5-conv", "keras-archive-conv", "tf-checkpoint-conv", "tf-checkpoint-graph", "saved-model-graph");

    /** The generated model ({@code loader/src/test/resources/<source>}) a framework-written seed is a copy of. */
    public static String source(String format) {
        return switch (format) {
            case "keras-h5-conv" -> "conv/keras3-cnn-h5";
            case "keras-archive-conv" -> "conv/keras3-cnn";
            case "tf-checkpoint-conv" -> "conv/tf1-batchnorm";
            case "tf-checkpoint-graph" -> "tfgraph/tf1-resnet";
            case "saved-model-graph" -> "tfgraph/tf2-keras-resnet-export/model";
            default -> null;
        };
    }

    private static final TfGraphs.Spec[] SPECS = {
        new TfGraphs.Spec("hidden", 5, 7, "Relu", false), new TfGraphs.Spec("output", 7, 3, "Softmax", false)};

    private FuzzSeeds() {
    }

    /** The path {@code Models.load} takes for a seed folder of {@code format}. */
    public static Path entry(String format, Path seedDir) {
        return switch (format) {
            case "graft" -> seedDir.resolve("model.safetensors");
            case "tf-checkpoint", "tf-checkpoint-conv", "tf-checkpoint-graph" -> seedDir.resolve("model.ckpt");
            case "saved-model", "saved-model-graph" -> seedDir;
            case "keras-h5", "keras-h5-conv" -> seedDir.resolve("model.h5");
            case "keras-archive", "keras-archive-conv" -> seedDir.resolve("model.keras");
            default -> throw new IllegalArgumentException(format);
        };
    }

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : "loader/src/test/resources/fuzz");
        for (String f : FORMATS) {
            Path dir = root.resolve(f).resolve("seed");
            Files.createDirectories(dir);
            write(f, dir);
        }
    }

    static void write(String format, Path dir) throws IOException {
        if (source(format) != null) {
            // Seeds written by TF/Keras (gen_conv_models.py, gen_tf_graph_models.py), copied from the checked fixtures.
            Path from = dir.getParent().getParent().getParent().resolve(source(format));
            for (String name : seedFiles(format)) {
                Files.createDirectories(dir.resolve(name).getParent());
                Files.copy(from.resolve(name), dir.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            return;
        }
        SplittableRandom r = new SplittableRandom(12);
        float[] w1 = TfGraphs.random(r, 35);
        float[] b1 = TfGraphs.random(r, 7);
        float[] w2 = TfGraphs.random(r, 21);
        float[] b2 = TfGraphs.random(r, 3);
        switch (format) {
            case "graft" -> GraftFormat.write(new Model(List.of(new Dense("hidden", 5, 7, Activation.RELU, w1, b1, false),
                    new Dense("output", 7, 3, Activation.SOFTMAX, w2, b2, true))), entry(format, dir));
            case "tf-checkpoint" -> {
                bundle(w1, b1, w2, b2).write(dir.resolve("model.ckpt"));
                Files.write(dir.resolve("model.ckpt.meta"), meta().toByteArray());
            }
            case "saved-model" -> {
                Files.createDirectories(dir.resolve("variables"));
                bundle(w1, b1, w2, b2).write(dir.resolve("variables").resolve("variables"));
                Files.write(dir.resolve("saved_model.pb"), SavedModel.newBuilder().setSavedModelSchemaVersion(1)
                        .addMetaGraphs(meta().toBuilder().setMetaInfoDef(meta().getMetaInfoDef().toBuilder().addTags("serve")))
                        .build().toByteArray());
            }
            case "keras-h5" -> kerasH5(entry(format, dir), w1, b1, w2, b2);
            case "keras-archive" -> kerasArchive(entry(format, dir), dir, w1, b1, w2, b2);
            default -> throw new IllegalArgumentException(format);
        }
    }

    /** The files of a framework-written seed, relative to its folder. */
    public static List<String> seedFiles(String format) {
        if (format.startsWith("saved-model")) {
            return List.of("saved_model.pb", "variables/variables.index", "variables/variables.data-00000-of-00001");
        }
        String prefix = format.startsWith("tf-checkpoint") ? "model.ckpt" : "model";
        return switch (format) {
            case "keras-h5-conv" -> List.of("model.h5");
            case "keras-archive-conv" -> List.of("model.keras");
            default -> List.of(prefix + ".index", prefix + ".data-00000-of-00001", prefix + ".meta");
        };
    }

    private static BundleWriter bundle(float[] w1, float[] b1, float[] w2, float[] b2) {
        return new BundleWriter().add("hidden/weights", new long[] {5, 7}, w1).add("hidden/biases", new long[] {7}, b1)
                .add("output/weights", new long[] {7, 3}, w2).add("output/biases", new long[] {3}, b2)
                .add("global_step", new long[] {}, new float[] {1});
    }

    /** The training graph with the op list TF's {@code export_meta_graph} stores next to it. */
    private static MetaGraphDef meta() {
        GraphDef g = TfGraphs.graph(SPECS);
        Set<String> ops = new LinkedHashSet<>();
        for (NodeDef n : g.getNodeList()) {
            ops.add(n.getOp());
        }
        OpList.Builder list = OpList.newBuilder();
        ops.stream().sorted().forEach(op -> list.addOp(OpDef.newBuilder().setName(op)));
        return MetaGraphDef.newBuilder().setMetaInfoDef(MetaGraphDef.MetaInfoDef.newBuilder().setStrippedOpList(list)
                .setTensorflowVersion("1.15.0")).setGraphDef(g).build();
    }

    private static final String KERAS_CONFIG = """
            {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
              {"class_name": "Dense", "config": {"name": "hidden", "trainable": false, "batch_input_shape": [null, 5], "units": 7, "activation": "relu", "use_bias": true}},
              {"class_name": "Dense", "config": {"name": "output", "trainable": true, "units": 3, "activation": "softmax", "use_bias": true}}
            ]}, "keras_version": "2.15.0", "backend": "tensorflow"}""";

    private static float[][] matrix(float[] v, int rows, int cols) {
        float[][] m = new float[rows][cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(v, i * cols, m[i], 0, cols);
        }
        return m;
    }

    private static void kerasH5(Path file, float[] w1, float[] b1, float[] w2, float[] b2) {
        try (WritableHdfFile h5 = HdfFile.write(file)) {
            h5.putAttribute("keras_version", "2.15.0");
            h5.putAttribute("backend", "tensorflow");
            h5.putAttribute("model_config", KERAS_CONFIG);
            WritableGroup weights = h5.putGroup("model_weights");
            weights.putAttribute("layer_names", new String[] {"hidden", "output"});
            for (Object[] l : new Object[][] {{"hidden", matrix(w1, 5, 7), b1}, {"output", matrix(w2, 7, 3), b2}}) {
                String name = (String) l[0];
                WritableGroup g = weights.putGroup(name);
                g.putAttribute("weight_names", new String[] {name + "/kernel:0", name + "/bias:0"});
                WritableGroup v = g.putGroup(name);
                v.putDataset("kernel:0", l[1]);
                v.putDataset("bias:0", l[2]);
            }
        }
    }

    private static void kerasArchive(Path file, Path dir, float[] w1, float[] b1, float[] w2, float[] b2) throws IOException {
        Path weights = dir.resolve("model.weights.h5");
        try (WritableHdfFile h5 = HdfFile.write(weights)) {
            WritableGroup layers = h5.putGroup("layers");
            for (Object[] l : new Object[][] {{"hidden", matrix(w1, 5, 7), b1}, {"output", matrix(w2, 7, 3), b2}}) {
                WritableGroup vars = layers.putGroup((String) l[0]).putGroup("vars");
                vars.putDataset("0", l[1]);
                vars.putDataset("1", l[2]);
            }
        }
        byte[] h5 = Files.readAllBytes(weights);
        Files.delete(weights);
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            stored(zip, "metadata.json", "{\"keras_version\": \"3.3.3\"}".getBytes(StandardCharsets.UTF_8));
            stored(zip, "config.json", KERAS_CONFIG.getBytes(StandardCharsets.UTF_8));
            stored(zip, "model.weights.h5", h5);
        }
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setTime(0);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }
}
