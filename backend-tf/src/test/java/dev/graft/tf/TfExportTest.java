package dev.graft.tf;

import static dev.graft.conformance.Conformance.assertClose;
import static dev.graft.conformance.Conformance.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.conformance.Conformance;
import dev.graft.reference.ReferenceBackend;
import dev.graft.exec.Network;
import dev.graft.exec.Networks;
import dev.graft.exec.NetworkPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** Exported models read back by TensorFlow itself, compared with Graft's reference forward pass. */
class TfExportTest {

    private static final Model MODEL = Model.builder(7, 11)
            .dense("hidden1", 6, Activation.RELU)
            .dropout("drop", 0.5f)
            .dense("hidden2", 5, Activation.leakyRelu(0.1f))
            .dense("output", 3, Activation.SOFTMAX)
            .build();

    @BeforeAll
    static void requireTf() {
        Conformance.requireOrSkip(new TfBackendProvider());
    }

    private static float[] referenceOutputs(float[] x, int rows) {
        float[] out = new float[rows * MODEL.outputWidth()];
        try (ReferenceBackend ref = new ReferenceBackend(); Network net = Networks.open(ref, NetworkPlan.inference(MODEL, rows))) {
            net.predict(x, 0, rows, out, 0);
        }
        return out;
    }

    @Test
    void savedModelServesGraftOutputs(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("exported");
        TfExport.savedModel(MODEL, dir);
        assertTrue(Files.isRegularFile(dir.resolve("saved_model.pb")));
        assertTrue(Files.isRegularFile(dir.resolve("variables/variables.index")));
        int rows = 9;
        float[] x = random(new SplittableRandom(1), rows * 7, 2);
        float[] served = new float[rows * 3];
        try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), SavedModelBundle.DEFAULT_TAG)) {
            Signature sig = bundle.function(Signature.DEFAULT_KEY).signature();
            assertTrue(sig.inputNames().contains(TfExport.INPUT) && sig.outputNames().contains(TfExport.OUTPUT), sig.toString());
            try (TFloat32 in = TfNetwork.matrix(x, 0, rows, 7);
                 Result r = bundle.call(Map.of(TfExport.INPUT, in))) {
                Tensor t = r.get(TfExport.OUTPUT).orElseThrow();
                ((TFloat32) t).asRawTensor().data().asFloats().read(served, 0, served.length);
            }
        }
        assertClose("SavedModel output vs Graft", referenceOutputs(x, rows), served, 1e-6, 1e-5);
        assertThrows(IllegalArgumentException.class, () -> TfExport.savedModel(MODEL, dir), "refuses to overwrite");
        try (var files = Files.list(tmp)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().contains(".tmp-") || p.getFileName().toString().endsWith(dev.graft.io.TempFiles.SUFFIX)), "no temporary directory left");
        }
    }

    @Test
    void checkpointRestoresIntoATfGraphByName(@TempDir Path tmp) {
        Path prefix = tmp.resolve("ckpt/model");
        TfExport.checkpoint(MODEL, prefix);
        assertTrue(Files.isRegularFile(tmp.resolve("ckpt/model.index")));
        assertTrue(Files.isRegularFile(tmp.resolve("ckpt/model.data-00000-of-00001")));
        // A graph written independently, the way a TF user declares the same variables, then Session.restore.
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            List<String> names = List.of("hidden1", "hidden2", "output");
            Variable<?>[] vars = new Variable<?>[6];
            for (int i = 0; i < names.size(); i++) {
                Dense d = (Dense) MODEL.layer(names.get(i));
                Ops scope = tf.withSubScope(d.name());
                vars[2 * i] = scope.withName("weights").variable(Shape.of(d.inputWidth(), d.outputWidth()), TFloat32.class);
                vars[2 * i + 1] = scope.withName("biases").variable(Shape.of(d.outputWidth()), TFloat32.class);
            }
            try (Session s = new Session(g)) {
                s.restore(prefix.toString());
                Session.Runner runner = s.runner();
                for (Variable<?> v : vars) {
                    runner.fetch(v);
                }
                try (Result r = runner.run()) {
                    for (int i = 0; i < names.size(); i++) {
                        Dense d = (Dense) MODEL.layer(names.get(i));
                        assertArrayEquals(d.weights(), floats(r.get(2 * i), d.weights().length), d.name() + "/weights");
                        assertArrayEquals(d.bias(), floats(r.get(2 * i + 1), d.outputWidth()), d.name() + "/biases");
                    }
                }
            }
        }
    }

    @Test
    void exportedCheckpointLoadsBackWithItsArchitecture(@TempDir Path tmp) throws Exception {
        Path prefix = tmp.resolve("model");
        TfExport.checkpoint(MODEL, prefix);
        assertTrue(Files.isRegularFile(tmp.resolve("model.meta")), "the inference graph is written beside the checkpoint");
        Model loaded = dev.graft.loader.Models.load(prefix).model();
        List<Dense> expected = MODEL.layers().stream().filter(l -> l instanceof Dense).map(l -> (Dense) l).toList();
        List<Dense> actual = loaded.layers().stream().filter(l -> l instanceof Dense).map(l -> (Dense) l).toList();
        assertEquals(expected.size(), actual.size(), "dense layers of " + loaded);
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).name(), actual.get(i).name());
            assertEquals(expected.get(i).activation(), actual.get(i).activation(), expected.get(i).name());
            assertTrue(expected.get(i).sameParameters(actual.get(i)), expected.get(i).name() + " parameters");
        }
    }

    @Test
    void rejectsLayerNamesTfCannotHold(@TempDir Path tmp) {
        Model bad = Model.builder(3, 1).dense("_hidden", 2, Activation.RELU).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TfExport.checkpoint(bad, tmp.resolve("x")));
        assertTrue(e.getMessage().contains("_hidden"), e.getMessage());
    }

    static float[] floats(Tensor t, int n) {
        float[] v = new float[n];
        ((TFloat32) t).asRawTensor().data().asFloats().read(v, 0, n);
        return v;
    }
}
