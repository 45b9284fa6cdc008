package dev.graft.loader.graft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.ActivationLayer;
import dev.graft.BatchNorm;
import dev.graft.Model;
import dev.graft.Shape;
import dev.graft.data.Dataset;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import dev.graft.reference.ReferenceBackend;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BatchNorm's moving statistics (STATE parameters) are saved and restored with the model: after
 * training has moved them, a Graft file round trip gives bit-identical layers and predictions;
 * {@code center=False}/{@code scale=False} and NHWC inputs survive too.
 */
class BatchNormFormatTest {

    private static Dataset data(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * 6];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 6; j++) {
                x[i * 6 + j] = (float) (r.nextGaussian() * 2 + j);
            }
            y[i] = x[i * 6] > 0 ? 1 : 0;
        }
        return Dataset.classification(x, 6, y, 2);
    }

    @Test
    void trainedMovingStatisticsRoundTripBitForBit(@TempDir Path dir) throws Exception {
        Model fresh = Model.builder(6, 4).dense("h", 5, Activation.RELU).add(BatchNorm.spec("bn", 0.9, 1e-3))
                .dense("out", 2, Activation.SOFTMAX).build();
        Dataset d = data(64, 2);
        Model trained;
        try (ReferenceBackend backend = new ReferenceBackend()) {
            trained = Trainer.builder(backend).optimizer(Optimizer.adam(0.01f)).epochs(2).batchSize(16).seed(1).build()
                    .fit(fresh, d).model();
        }
        assertFalse(fresh.layer("bn").sameParameters(trained.layer("bn")), "training moved the statistics");
        Model frozen = trained.with(1, trained.layer("bn").withTrainable(false));
        for (Model model : List.of(trained, frozen)) {
            Path file = dir.resolve("bn-" + model.layer("bn").trainable() + ".safetensors");
            GraftFormat.write(model, file);
            Model back = GraftFormat.read(file).model();
            SameLayers.assertSameLayers(model, back);
            assertTrue(back.layer("bn") instanceof BatchNorm);
            assertEquals(model.layer("bn"), back.layer("bn"));
            assertArrayEquals(predict(model, d), predict(back, d), "predictions after the round trip");
        }
    }

    @Test
    void withoutCenterAndScaleAndOnImages(@TempDir Path dir) throws Exception {
        Shape image = Shape.of(2, 3, 4);
        float[] mean = {0.5f, -1f, 2f, 1e-7f};
        float[] variance = {1f, 0.25f, 3f, 0f};
        Model model = new Model(List.of(
                new BatchNorm("bn", image, 1e-5, 0.99, null, null, mean, variance, false),
                new ActivationLayer("act", image, Activation.RELU6, true)));
        Path file = dir.resolve("bn-image.safetensors");
        GraftFormat.write(model, file);
        Model back = GraftFormat.read(file).model();
        SameLayers.assertSameLayers(model, back);
        BatchNorm bn = (BatchNorm) back.layer("bn");
        assertFalse(bn.center() || bn.scale());
        assertNull(bn.parameters().stream().filter(p -> p.name().equals("gamma")).findAny().orElse(null));
    }

    private static float[] predict(Model model, Dataset d) {
        float[] out = new float[d.size() * model.outputWidth()];
        try (ReferenceBackend backend = new ReferenceBackend();
             Network net = Networks.open(backend, NetworkPlan.inference(model, d.size()))) {
            net.predict(d.features(), 0, d.size(), out, 0);
        }
        return out;
    }
}
