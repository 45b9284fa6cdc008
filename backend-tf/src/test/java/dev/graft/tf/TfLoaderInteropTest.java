package dev.graft.tf;

import static dev.graft.conformance.Conformance.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.conformance.Conformance;
import dev.graft.loader.LoadedModel;
import dev.graft.loader.Models;
import dev.graft.loader.tf.TensorBundle;
import dev.graft.loader.tf.TfCheckpointWriter;
import dev.graft.loader.tf.TfCheckpointWriter.Naming;
import dev.graft.reference.ReferenceBackend;
import dev.graft.exec.Network;
import dev.graft.exec.Networks;
import dev.graft.exec.NetworkPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.random.TruncatedNormal;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * Checkpoints crossing between TensorFlow and Graft's loader: what the loader's pure-Java writer produces,
 * TF restores bit for bit (and runs its graph); a TF graph with {@code tf.nn.dropout} subgraphs between
 * dense layers, saved by TF, loads with its dropout layers; and TF's own saver ({@link TfExport}) and the
 * loader's writer agree tensor for tensor.
 */
class TfLoaderInteropTest {

    /** Awkward values (negative zero, subnormal, huge) so bit-exactness is really checked. */
    private static final Model MODEL = awkward(Model.builder(7, 3)
            .dense("hidden1", 6, Activation.RELU)
            .dense("hidden2", 5, Activation.TANH)
            .dropout("drop", 0.3f)
            .dense("output", 3, Activation.SOFTMAX)
            .build());

    @BeforeAll
    static void requireTf() {
        Conformance.requireOrSkip(new TfBackendProvider());
    }

    private static Model awkward(Model m) {
        Dense out = (Dense) m.layer("output");
        return m.with(m.indexOf("output"), out.withParameters(out.weights(), new float[] {-0.0f, Float.MIN_VALUE, 3.4e38f}));
    }

    @Test
    void loaderWrittenCheckpointRestoresInTfBitExact(@TempDir Path tmp) throws Exception {
        for (Naming naming : Naming.values()) {
            Path prefix = tmp.resolve(naming + "/model.ckpt");
            Files.createDirectories(prefix.getParent());
            TfCheckpointWriter.write(MODEL, prefix, naming);
            String w = naming == Naming.WEIGHTS_BIASES ? "weights" : "kernel";
            String b = naming == Naming.WEIGHTS_BIASES ? "biases" : "bias";
            // The variables declared independently, as a TF user would, then TF's own restore.
            try (Graph g = new Graph()) {
                Ops tf = Ops.create(g);
                List<Variable<TFloat32>> vars = new ArrayList<>();
                List<Dense> dense = denseLayers(MODEL);
                for (Dense d : dense) {
                    Ops scope = tf.withSubScope(d.name());
                    vars.add(scope.withName(w).variable(Shape.of(d.inputWidth(), d.outputWidth()), TFloat32.class));
                    vars.add(scope.withName(b).variable(Shape.of(d.outputWidth()), TFloat32.class));
                }
                try (Session s = new Session(g)) {
                    s.restore(prefix.toString());
                    Session.Runner runner = s.runner();
                    vars.forEach(runner::fetch);
                    try (Result r = runner.run()) {
                        for (int i = 0; i < dense.size(); i++) {
                            Dense d = dense.get(i);
                            assertArrayEquals(d.weights(), TfExportTest.floats(r.get(2 * i), d.weights().length), naming + " " + d.name());
                            assertArrayEquals(d.bias(), TfExportTest.floats(r.get(2 * i + 1), d.outputWidth()), naming + " " + d.name());
                        }
                    }
                }
            }
        }
    }

    @Test
    void loaderWrittenMetaGraphImportsIntoTfAndComputesGraftsOutputs(@TempDir Path tmp) throws Exception {
        // Dropout in the written graph is the training form (random), so compare on the dropout-free model.
        Model model = new Model(denseLayers(MODEL));
        Path prefix = tmp.resolve("model.ckpt");
        TfCheckpointWriter.write(model, prefix, Naming.WEIGHTS_BIASES);
        MetaGraphDef meta = MetaGraphDef.parseFrom(Files.readAllBytes(tmp.resolve("model.ckpt.meta")));
        int rows = 4;
        float[] x = Conformance.random(new SplittableRandom(8), rows * 7, 2);
        float[] served = new float[rows * 3];
        try (Graph g = new Graph()) {
            g.importGraphDef(meta.getGraphDef());
            try (Session s = new Session(g);
                 TFloat32 in = TfNetwork.matrix(x, 0, rows, 7)) {
                s.restore(prefix.toString());
                try (Result r = s.runner().feed("x", in).fetch("output/Softmax").run()) {
                    ((TFloat32) r.get(0)).asRawTensor().data().asFloats().read(served, 0, served.length);
                }
            }
        }
        float[] expected = new float[rows * 3];
        try (ReferenceBackend ref = new ReferenceBackend(); Network net = Networks.open(ref, NetworkPlan.inference(model, rows))) {
            net.predict(x, 0, rows, expected, 0);
        }
        assertClose("TF running the writer's graph vs Graft", expected, served, 1e-6, 1e-5);
    }

    @Test
    void tfExportsMetaIsTiedToItsIndexSoAMixedSetIsRefused(@TempDir Path tmp) throws Exception {
        assertEquals(dev.graft.loader.tf.CheckpointSet.STAMP, TfExport.INDEX_STAMP, "one stamp, written and checked");
        Path a = tmp.resolve("a/model.ckpt");
        Path b = tmp.resolve("b/model.ckpt");
        TfExport.checkpoint(MODEL, a);
        Model other = Model.builder(7, 99).dense("hidden1", 6, Activation.RELU).dense("hidden2", 5, Activation.TANH)
                .dense("output", 3, Activation.SOFTMAX).build();
        TfExport.checkpoint(other, b);
        Models.load(a); // a set as written loads
        for (String suffix : new String[] {".index", ".data-00000-of-00001"}) {
            Files.copy(Path.of(b + suffix), Path.of(a + suffix), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        dev.graft.loader.ModelFileException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.graft.loader.ModelFileException.class, () -> Models.load(a));
        assertTrue(e.getMessage().contains("different writes"), e.getMessage());
    }

    @Test
    void tfExportAndTheLoadersWriterWriteTheSameTensors(@TempDir Path tmp) throws Exception {
        Path viaTf = tmp.resolve("tf/model.ckpt");
        Path viaLoader = tmp.resolve("loader/model.ckpt");
        TfExport.checkpoint(MODEL, viaTf);
        Files.createDirectories(viaLoader.getParent());
        TfCheckpointWriter.write(MODEL, viaLoader, Naming.WEIGHTS_BIASES);
        TensorBundle a = TensorBundle.open(viaTf);
        TensorBundle b = TensorBundle.open(viaLoader);
        assertEquals(List.copyOf(b.entries().keySet()), List.copyOf(a.entries().keySet()));
        for (String name : a.entries().keySet()) {
            assertArrayEquals(b.readBytes(name), a.readBytes(name), name + " byte-identical");
            assertArrayEquals(b.entries().get(name).shape(), a.entries().get(name).shape(), name);
        }
        // And TfExport's checkpoint loads through the loader (no .meta: inferred chain) with the same parameters.
        LoadedModel loaded = Models.load(viaTf);
        List<Dense> expected = denseLayers(MODEL);
        for (Dense d : expected) {
            assertTrue(d.sameParameters((Dense) loaded.model().layer(d.name())), d.name());
        }
    }

    @Test
    void tfGraphWithDropoutBetweenDenseLayersLoadsWithItsDropout(@TempDir Path tmp) throws Exception {
        Path prefix = tmp.resolve("drop/model.ckpt");
        float[] values;
        String[] names = {"hidden1", "hidden2", "hidden3", "output"};
        int[] widths = {12, 10, 8, 6, 3};
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            Operand<TFloat32> h = tf.withName("X").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 12)));
            Placeholder<TFloat32> keepProb = tf.withName("keep_prob").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
            List<Variable<TFloat32>> vars = new ArrayList<>();
            for (int l = 0; l < 4; l++) {
                Ops scope = tf.withSubScope(names[l]);
                Variable<TFloat32> w = scope.withName("weights").variable(tf.random.truncatedNormal(
                        tf.constant(new long[] {widths[l], widths[l + 1]}), TFloat32.class, TruncatedNormal.seed(3L + l)));
                Variable<TFloat32> b = scope.withName("biases").variable(tf.random.truncatedNormal(
                        tf.constant(new long[] {widths[l + 1]}), TFloat32.class, TruncatedNormal.seed(30L + l)));
                vars.add(w);
                vars.add(b);
                h = tf.nn.biasAdd(tf.linalg.matMul(h, w), b);
                if (l < 3) {
                    h = tf.nn.relu(h);
                }
                if (l == 0) {
                    h = rateDropout(tf.withSubScope("dropout"), h, 0.25f);       // tf.nn.dropout(h, rate=0.25), TF >= 1.13
                } else if (l == 1) {
                    h = keepProbDropout(tf.withSubScope("dropout_1"), h, keepProb); // tf.nn.dropout(h, keep_prob), TF 1.x
                } else if (l == 2) {
                    h = selectDropout(tf.withSubScope("dropout_2"), h, 0.5f);     // TF 2's where(mask, x * scale, 0)
                }
            }
            tf.withName("logits").identity(h);
            try (Session s = new Session(g)) {
                s.initialize();
                s.save(prefix.toString());
                Session.Runner runner = s.runner();
                vars.forEach(runner::fetch);
                try (Result r = runner.run()) {
                    values = TfExportTest.floats(r.get(2), widths[1] * widths[2]);
                }
            }
            Files.write(tmp.resolve("drop/model.ckpt.meta"), MetaGraphDef.newBuilder().setGraphDef(g.toGraphDef()).build().toByteArray());
        }
        LoadedModel loaded = Models.load(prefix);
        assertEquals("12 -> hidden1 10 relu -> dropout dropout 0.25 -> hidden2 8 relu -> hidden3 6 relu"
                + " -> dropout_2 dropout 0.5 -> output 3 identity", TfSeedNetworkTest.describe(loaded.model()));
        List<String> notes = loaded.report().notes();
        assertTrue(notes.stream().anyMatch(n -> n.startsWith("dropout 'dropout_1' (op dropout_1/mul)")
                && n.contains("no Dropout layer was added")), notes.toString());
        assertTrue(notes.contains("dropout 'dropout': rate 0.25 from dropout/GreaterEqual"), notes.toString());
        assertArrayEquals(values, ((Dense) loaded.model().layer("hidden2")).weights(), "hidden2 weights bit-exact");
    }

    /** {@code x * (1 / (1 - rate)) * cast(uniform >= rate)}, with TF 1.13's op names. */
    private static Operand<TFloat32> rateDropout(Ops tf, Operand<TFloat32> x, float rate) {
        Operand<TFloat32> r = tf.withName("rate").constant(rate);
        Operand<TFloat32> u = tf.withName("random_uniform").random.randomUniform(tf.withName("Shape").shape(x), TFloat32.class);
        Operand<TFloat32> scale = tf.withName("truediv").math.div(tf.constant(1f), tf.withName("sub").math.sub(tf.constant(1f), r));
        Operand<TFloat32> mask = tf.withName("Cast").dtypes.cast(tf.withName("GreaterEqual").math.greaterEqual(u, r), TFloat32.class);
        return tf.withName("mul_1").math.mul(tf.withName("mul").math.mul(x, scale), mask);
    }

    /** {@code x / keep * floor(keep + uniform)}, TF 1.x's form, with {@code keep} fed at run time. */
    private static Operand<TFloat32> keepProbDropout(Ops tf, Operand<TFloat32> x, Operand<TFloat32> keep) {
        Operand<TFloat32> u = tf.withName("random_uniform").random.randomUniform(tf.withName("Shape").shape(x), TFloat32.class);
        Operand<TFloat32> mask = tf.withName("Floor").math.floor(tf.withName("add").math.add(keep, u));
        return tf.withName("mul").math.mul(tf.withName("div").math.realDiv(x, keep), mask);
    }

    /** TF 2's {@code where(uniform >= rate, x * 1/(1-rate), 0)}. */
    private static Operand<TFloat32> selectDropout(Ops tf, Operand<TFloat32> x, float rate) {
        Operand<TFloat32> scaled = tf.withName("Mul").math.mul(x, tf.constant(1f / (1f - rate)));
        Operand<TFloat32> u = tf.withName("random_uniform").random.randomUniform(tf.withName("Shape").shape(x), TFloat32.class);
        Operand<TBool> keep = tf.withName("GreaterEqual").math.greaterEqual(u, tf.constant(rate));
        return tf.withName("SelectV2").select(keep, scaled, tf.zerosLike(scaled));
    }

    private static List<Dense> denseLayers(Model m) {
        return m.layers().stream().filter(l -> l instanceof Dense).map(l -> (Dense) l).toList();
    }
}
