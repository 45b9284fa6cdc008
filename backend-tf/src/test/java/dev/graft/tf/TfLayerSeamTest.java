package dev.graft.tf;

import static dev.graft.conformance.Conformance.assertClose;
import static dev.graft.conformance.Conformance.random;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.Model;
import dev.graft.conformance.ScaleLayer;
import dev.graft.exec.KernelNetwork;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import dev.graft.reference.ReferenceBackend;
import dev.graft.spi.Backend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TF backend and the layer seam: the types its graphs know are compiled (activation layers
 * included); a model with a type they do not know runs on the portable executor over TF's kernels,
 * never skipping the layer; TF export refuses such a model by name.
 */
class TfLayerSeamTest extends OneTfBackend {

    private static Model withToyLayer() {
        return Model.builder(6, 4).dense("h", 5, Activation.RELU).add(ScaleLayer.spec("scale", 0.9f))
                .dense("out", 3, Activation.SOFTMAX).build();
    }

    @Test
    void knownTypesCompileAndUnknownOnesRunOnTfKernels() {
        Model known = Model.builder(6, 4).dense("h", 5, Activation.IDENTITY).activation("act", Activation.TANH)
                .dense("out", 3, Activation.SOFTMAX).build();
        Model unknown = withToyLayer();
        SplittableRandom r = new SplittableRandom(2);
        float[] x = random(r, 4 * 6, 1);
        for (Model model : new Model[] {known, unknown}) {
            float[] expected = new float[4 * 3];
            float[] actual = new float[4 * 3];
            try (Backend reference = new ReferenceBackend();
                 Network ref = Networks.open(reference, NetworkPlan.inference(model, 4));
                 Network net = Networks.open(tf, NetworkPlan.inference(model, 4))) {
                if (model == known) {
                    assertInstanceOf(TfNetwork.class, net, "dense and activation layers compile into one TF graph");
                } else {
                    assertInstanceOf(KernelNetwork.class, net, "a test-only layer type runs op by op on TF kernels");
                }
                ref.predict(x, 0, 4, expected, 0);
                net.predict(x, 0, 4, actual, 0);
            }
            assertClose("TF vs reference predictions", expected, actual, 1e-6, 1e-5);
        }
    }

    @Test
    void exportRefusesALayerTfCannotWriteByName(@TempDir Path dir) {
        Path target = dir.resolve("saved");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TfExport.savedModel(withToyLayer(), target));
        assertTrue(e.getMessage().contains("'scale'") && e.getMessage().contains("test_scale")
                && e.getMessage().contains("TF export"), e.getMessage());
        assertFalse(Files.exists(target));
        IllegalArgumentException ckpt = assertThrows(IllegalArgumentException.class,
                () -> TfExport.checkpoint(withToyLayer(), dir.resolve("ckpt")));
        assertTrue(ckpt.getMessage().contains("'scale'"), ckpt.getMessage());
    }
}
