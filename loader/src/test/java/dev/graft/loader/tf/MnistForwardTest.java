package dev.graft.loader.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.loader.Fixtures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The loaded TF1 MNIST model against an independent computation: the raw little-endian floats are taken
 * straight from the data shard at the offsets recorded in the fixture's SOURCE.txt (no index reader
 * involved) and pushed through plain double-precision loops; the loaded model is run both through
 * the same loops and through the API's reference backend.
 */
class MnistForwardTest {

    private static float[] raw(byte[] shard, int offset, int count) {
        float[] v = new float[count];
        ByteBuffer.wrap(shard, offset, count * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    private static double[] layer(double[] x, float[] w, float[] b, int in, int out, boolean relu) {
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = b[o];
            for (int i = 0; i < in; i++) {
                s += x[i] * w[i * out + o];
            }
            y[o] = relu ? Math.max(0, s) : s;
        }
        return y;
    }

    private static double[] viaModel(Model m, double[] x) {
        double[] h = x;
        for (var l : m.layers()) {
            Dense d = (Dense) l;
            h = layer(h, d.weights(), d.bias(), d.inputWidth(), d.outputWidth(),
                    d.activation().kind() == dev.graft.Activation.Kind.RELU);
        }
        return h;
    }

    @Test
    void logitsMatchRawTensorComputation() throws Exception {
        Path dir = Fixtures.mnistDir();
        byte[] shard = Files.readAllBytes(dir.resolve("model.ckpt-1999.data-00000-of-00001"));
        float[] w1 = raw(shard, 516, 784 * 128);
        float[] b1 = raw(shard, 4, 128);
        float[] w2 = raw(shard, 402052, 128 * 32);
        float[] b2 = raw(shard, 401924, 32);
        float[] w3 = raw(shard, 418476, 32 * 10);
        float[] b3 = raw(shard, 418436, 10);
        Model model = TfModelReader.readCheckpoint(dir, null).model();
        SplittableRandom r = new SplittableRandom(5);
        for (int sample = 0; sample < 4; sample++) {
            double[] x = new double[784];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextDouble() < 0.8 ? 0 : r.nextDouble();
            }
            double[] expected = layer(layer(layer(x, w1, b1, 784, 128, true), w2, b2, 128, 32, true), w3, b3, 32, 10, false);
            double[] actual = viaModel(model, x);
            float[] xf = new float[784];
            for (int i = 0; i < 784; i++) {
                xf[i] = (float) x[i];
            }
            float[] reference = new float[10];
            try (var backend = new dev.graft.reference.ReferenceBackend();
                 var net = dev.graft.exec.Networks.open(backend, dev.graft.exec.NetworkPlan.inference(model, 1))) {
                net.predict(xf, 0, 1, reference, 0);
            }
            for (int k = 0; k < 10; k++) {
                assertEquals(expected[k], actual[k], 1e-9, "logit " + k + " of sample " + sample);
                assertEquals(expected[k], reference[k], 1e-4 * (1 + Math.abs(expected[k])),
                        "reference backend, logit " + k + " of sample " + sample);
            }
        }
    }
}
