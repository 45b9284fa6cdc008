package dev.graft.tf;

import static dev.graft.conformance.Conformance.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Dropout;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.conformance.Conformance;
import dev.graft.loader.LoadedModel;
import dev.graft.loader.ModelFormat;
import dev.graft.loader.Models;
import dev.graft.loader.TensorLayer;
import dev.graft.reference.ReferenceBackend;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.exec.Network;
import dev.graft.exec.Networks;
import dev.graft.exec.NetworkPlan;
import dev.graft.train.Loss;
import dev.graft.train.Optimizer;
import dev.graft.train.TrainingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.random.TruncatedNormal;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The seed question end to end: its network (X[500] → hidden1 300 → hidden2 100 → hidden3 50 →
 * output 5 logits, variables named like {@code fully_connected}'s) built and trained with plain SGD
 * in TensorFlow itself and saved with TF's own {@code Session.save}; the checkpoint is read back through
 * Graft's loader (no values are taken from the TF session), must hold TF's parameters bit for bit and give
 * TF's logits; then the user's transfer (copy 3, freeze 2, new head) fine-tuned on the reference backend
 * and on the TF backend must end with the same weights. TF trains once per class.
 */
class TfSeedNetworkTest {

    private static final String[] NAMES = {"hidden1", "hidden2", "hidden3", "output"};
    private static final int[] WIDTHS = {500, 300, 100, 50, 5};
    private static final int BATCH = 64;
    private static final String SEED_SHAPE =
            "500 -> hidden1 300 relu -> hidden2 100 relu -> hidden3 50 relu -> output 5 identity";

    @TempDir
    static Path tmp;
    /** The checkpoint exactly as TF's Session.save left it. */
    private static Path tfSaved;
    /** The TF graph (Graph.toGraphDef() after training and saving), for a .meta written beside a copy. */
    private static GraphDef graphDef;
    private static float[] centers;
    private static float[] probe;
    private static float[] tfLogits;
    /** Parameters fetched from the TF session right after saving, per variable (weights, biases per layer). */
    private static float[][] tfValues;

    @BeforeAll
    static void trainAndSaveInTf() {
        Conformance.requireOrSkip(new TfBackendProvider());
        SplittableRandom random = new SplittableRandom(2016);
        centers = new float[5 * 500];
        for (int i = 0; i < centers.length; i++) {
            centers[i] = (float) random.nextGaussian();
        }
        probe = samples(random, centers, BATCH, new float[BATCH]);
        tfLogits = new float[BATCH * 5];
        tfValues = new float[8][];
        tfSaved = tmp.resolve("tf-saved/model.ckpt");
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            Placeholder<TFloat32> x = tf.withName("X").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 500)));
            Placeholder<TInt32> y = tf.withName("y").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
            List<Variable<TFloat32>> vars = new ArrayList<>();
            Operand<TFloat32> h = x;
            for (int l = 0; l < 4; l++) {
                Ops scope = tf.withSubScope(NAMES[l]);
                float stddev = (float) (2 / Math.sqrt(WIDTHS[l] + WIDTHS[l + 1]));
                Variable<TFloat32> w = scope.withName("weights").variable(tf.math.mul(tf.random.truncatedNormal(
                        tf.constant(new long[] {WIDTHS[l], WIDTHS[l + 1]}), TFloat32.class, TruncatedNormal.seed(7L + l)),
                        tf.constant(stddev)));
                Variable<TFloat32> b = scope.withName("biases").variable(tf.zeros(tf.constant(new long[] {WIDTHS[l + 1]}), TFloat32.class));
                vars.add(w);
                vars.add(b);
                h = tf.nn.biasAdd(tf.linalg.matMul(h, w), b);
                if (l < 3) {
                    h = tf.nn.relu(h);
                }
            }
            Operand<TFloat32> logits = h;
            var sce = tf.nn.sparseSoftmaxCrossEntropyWithLogits(logits, y);
            Operand<TFloat32> loss = tf.math.mean(sce.loss(), tf.constant(0));
            // TF's C++ gradient registry has no entry for SparseSoftmaxCrossEntropyWithLogits: seed the
            // backward pass at the logits with the op's own backprop output, averaged over the batch.
            Operand<TFloat32> rows = tf.dtypes.cast(
                    tf.slice(tf.shape(logits), tf.constant(new int[] {0}), tf.constant(new int[] {1})), TFloat32.class);
            Operand<TFloat32> dLogits = tf.math.div(sce.backprop(), rows);
            var grads = tf.gradients(logits, vars, org.tensorflow.op.core.Gradients.dx(List.of(dLogits)));
            List<org.tensorflow.op.Op> train = new ArrayList<>();
            for (int i = 0; i < vars.size(); i++) {
                train.add(tf.train.applyGradientDescent(vars.get(i), tf.constant(0.01f), grads.dy(i)));
            }
            try (Session s = new Session(g)) {
                s.initialize();
                float first = 0;
                float last = 0;
                for (int step = 0; step < 40; step++) {
                    float[] labels = new float[BATCH];
                    float[] data = samples(random, centers, BATCH, labels);
                    try (TFloat32 xs = TfNetwork.matrix(data, 0, BATCH, 500);
                         TInt32 ys = TInt32.tensorOf(Shape.of(BATCH), DataBuffers.of(ints(labels), true, false));
                         Result r = feedAll(s.runner(), train).feed(x, xs).feed(y, ys).fetch(loss).run()) {
                        float value = ((TFloat32) r.get(0)).getFloat();
                        first = step == 0 ? value : first;
                        last = value;
                    }
                }
                assertTrue(last < first * 0.5f, "TF training reduces the loss: " + first + " -> " + last);
                s.save(tfSaved.toString());
                Session.Runner runner = s.runner();
                vars.forEach(runner::fetch);
                try (TFloat32 xs = TfNetwork.matrix(probe, 0, BATCH, 500);
                     Result r = runner.feed(x, xs).fetch(logits).run()) {
                    for (int l = 0; l < 4; l++) {
                        tfValues[2 * l] = TfExportTest.floats(r.get(2 * l), WIDTHS[l] * WIDTHS[l + 1]);
                        tfValues[2 * l + 1] = TfExportTest.floats(r.get(2 * l + 1), WIDTHS[l + 1]);
                    }
                    ((TFloat32) r.get(8)).asRawTensor().data().asFloats().read(tfLogits, 0, tfLogits.length);
                }
            }
            graphDef = g.toGraphDef();
        }
    }

    @Test
    void tfSaverWritesNoGraphSoTheLoaderInfersTheChainAndSaysSo() throws Exception {
        assertTrue(Files.isRegularFile(tmp.resolve("tf-saved/model.ckpt.index")), "TF wrote the checkpoint index");
        assertTrue(Files.isRegularFile(tmp.resolve("tf-saved/model.ckpt.data-00000-of-00001")), "TF wrote the data");
        // TF Java's Session.save runs the saver ops only: no MetaGraphDef is exported next to the checkpoint.
        assertFalse(Files.exists(tmp.resolve("tf-saved/model.ckpt.meta")), "Session.save writes no .meta");

        LoadedModel inferred = Models.load(tfSaved);
        assertEquals(ModelFormat.TF_CHECKPOINT, inferred.report().format());
        assertEquals(SEED_SHAPE.replace("relu", "identity"), describe(inferred.model()));
        assertTrue(inferred.report().notes().stream().anyMatch(n -> n.startsWith("no .meta graph next to the checkpoint")
                && n.contains("inferred from tensor names and shapes") && n.contains("activations unknown (loaded as identity)")),
                inferred.report().notes().toString());
        assertEquals(List.of(), inferred.report().skipped(), "TF's saver wrote only the layer variables");
        assertParametersAreTfs(inferred.model());
        // Without activations the network is linear: its logits are not TF's. The report's layers, with the
        // activations the user knows, are the mapping that gives the real network back.
        assertFalse(close(tfLogits, forward(inferred.model()), 1e-2), "identity activations change the outputs");
        List<TensorLayer> mapping = new ArrayList<>();
        for (TensorLayer t : inferred.report().layers()) {
            mapping.add(t.withActivation(t.name().equals("output") ? Activation.IDENTITY : Activation.RELU));
        }
        assertEquals(List.of("hidden1/weights", "hidden1/biases"),
                List.of(mapping.get(0).weights(), mapping.get(0).bias()), "fully_connected names paired by scope");
        Model mapped = Models.load(tfSaved, mapping).model();
        assertEquals(SEED_SHAPE, describe(mapped));
        assertClose("Graft's forward pass of the loaded checkpoint vs TF's logits", tfLogits, forward(mapped), 1e-4, 1e-4);
    }

    @Test
    void withTheTfGraphExportedAsMetaTheLoaderReadsTheActivations() throws Exception {
        Path prefix = withMeta("with-meta");
        LoadedModel loaded = Models.load(prefix);
        assertEquals(SEED_SHAPE, describe(loaded.model()));
        assertTrue(loaded.report().notes().contains("architecture from the graph in model.ckpt.meta (4 dense layers)"),
                loaded.report().notes().toString());
        assertParametersAreTfs(loaded.model());
        assertClose("Graft's forward pass vs TF's logits", tfLogits, forward(loaded.model()), 1e-4, 1e-4);
    }

    @Test
    void transferOfTheLoadedCheckpointFineTunesAlikeOnReferenceAndTf() throws Exception {
        Model trained = Models.load(withMeta("for-transfer")).model();
        try (Backend reference = new ReferenceBackend();
             Backend tfBackend = new TfBackendProvider().open(BackendOptions.defaults().withThreads(1))) {
            // The question's transfer: keep hidden1..hidden3, freeze hidden1 and hidden2, new 5-way head.
            Model transfer = Transfer.from(trained).keepThrough("hidden3").freezeThrough("hidden2")
                    .add(Dense.spec("new_output", 5, Activation.IDENTITY)).seed(9).build();
            assertFalse(transfer.layer("hidden2").trainable());
            assertTrue(transfer.layer("hidden3").trainable());
            TrainingConfig config = new TrainingConfig(Loss.SOFTMAX_CROSS_ENTROPY, Optimizer.sgd(0.01f), 0f, Map.of(), 5);
            Model onReference = fineTune(reference, transfer, config, centers, BATCH);
            Model onTf = fineTune(tfBackend, transfer, config, centers, BATCH);
            for (String name : new String[] {"hidden3", "new_output"}) {
                assertClose(name + " after fine-tuning, TF vs reference", ((Dense) onReference.layer(name)).weights(),
                        ((Dense) onTf.layer(name)).weights(), 1e-5, 1e-4);
                assertFalse(((Dense) transfer.layer(name)).sameParameters((Dense) onTf.layer(name)), name + " trained");
            }
            assertTrue(((Dense) transfer.layer("hidden2")).sameParameters((Dense) onTf.layer("hidden2")), "hidden2 frozen");
        }
    }

    /** A copy of TF's checkpoint with the TF graph written beside it as {@code model.ckpt.meta}. */
    private static Path withMeta(String dir) throws IOException {
        Path target = Files.createDirectories(tmp.resolve(dir));
        for (String suffix : new String[] {".index", ".data-00000-of-00001"}) {
            Files.copy(tmp.resolve("tf-saved/model.ckpt" + suffix), target.resolve("model.ckpt" + suffix));
        }
        Files.write(target.resolve("model.ckpt.meta"), MetaGraphDef.newBuilder().setGraphDef(graphDef).build().toByteArray());
        return target.resolve("model.ckpt");
    }

    /** Every parameter bit-identical to the value TF's session held when it saved. */
    private static void assertParametersAreTfs(Model m) {
        for (int l = 0; l < 4; l++) {
            Dense d = (Dense) m.layer(NAMES[l]);
            assertArrayEquals(tfValues[2 * l], d.weights(), NAMES[l] + "/weights bit-exact");
            assertArrayEquals(tfValues[2 * l + 1], d.bias(), NAMES[l] + "/biases bit-exact");
        }
    }

    private static float[] forward(Model m) {
        float[] out = new float[BATCH * m.outputWidth()];
        try (Backend reference = new ReferenceBackend(); Network net = Networks.open(reference, NetworkPlan.inference(m, BATCH))) {
            net.predict(probe, 0, BATCH, out, 0);
        }
        return out;
    }

    private static boolean close(float[] a, float[] b, double tolerance) {
        for (int i = 0; i < a.length; i++) {
            if (Math.abs(a[i] - b[i]) > tolerance * (1 + Math.abs(a[i]))) {
                return false;
            }
        }
        return true;
    }

    static String describe(Model m) {
        StringBuilder sb = new StringBuilder().append(m.inputWidth());
        for (Layer l : m.layers()) {
            sb.append(" -> ").append(l.name()).append(' ');
            if (l instanceof Dense d) {
                sb.append(d.outputWidth()).append(' ').append(d.activation());
            } else if (l instanceof Dropout d) {
                sb.append("dropout ").append(d.rate());
            }
        }
        return sb.toString();
    }

    private static Model fineTune(Backend backend, Model model, TrainingConfig config, float[] centers, int batch) {
        SplittableRandom data = new SplittableRandom(77);
        try (Network net = Networks.open(backend, new NetworkPlan(model, config, batch))) {
            for (int step = 0; step < 10; step++) {
                float[] labels = new float[batch];
                float[] x = samples(data, centers, batch, labels);
                net.trainStep(x, labels, batch);
            }
            return net.snapshot();
        }
    }

    /** {@code rows} noisy samples around five class centres; labels written into {@code labels}. */
    private static float[] samples(SplittableRandom r, float[] centers, int rows, float[] labels) {
        float[] x = new float[rows * 500];
        for (int i = 0; i < rows; i++) {
            int c = r.nextInt(5);
            labels[i] = c;
            for (int j = 0; j < 500; j++) {
                x[i * 500 + j] = centers[c * 500 + j] + (float) r.nextGaussian();
            }
        }
        return x;
    }

    private static int[] ints(float[] labels) {
        int[] out = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            out[i] = (int) labels[i];
        }
        return out;
    }

    private static Session.Runner feedAll(Session.Runner runner, List<org.tensorflow.op.Op> targets) {
        targets.forEach(runner::addTarget);
        return runner;
    }
}
