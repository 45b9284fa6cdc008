package dev.graft.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.data.Dataset;
import dev.graft.reference.ReferenceBackend;
import dev.graft.train.Checkpoint;
import dev.graft.train.EarlyStopping;
import dev.graft.train.EpochStats;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingControl;
import dev.graft.train.TrainingListener;
import dev.graft.train.TrainingResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Directory checkpoints: a run interrupted after an epoch and resumed in a new trainer ends where an uninterrupted run ends. */
class CheckpointsTest {

    private static Dataset data() {
        SplittableRandom r = new SplittableRandom(2);
        int n = 200;
        float[] x = new float[n * 12];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 12; j++) {
                x[i * 12 + j] = (float) r.nextGaussian();
            }
            y[i] = x[i * 12] + x[i * 12 + 1] > 0 ? 1 : x[i * 12 + 2] > 0 ? 2 : 0;
        }
        return Dataset.classification(x, 12, y, 3);
    }

    private static Model model() {
        Model base = Model.builder(12, 9).dense("h1", 10, Activation.RELU).dense("h2", 8, Activation.TANH)
                .dense("out", 3, Activation.IDENTITY).build();
        return Transfer.from(base).freezeThrough("h1").build();
    }

    private static Trainer.Builder trainer(ReferenceBackend backend) {
        return Trainer.builder(backend).optimizer(Optimizer.sgd(0.1f)).epochs(5).batchSize(16).seed(3)
                .earlyStopping(new EarlyStopping(EarlyStopping.Monitor.VALIDATION_LOSS, 10, 0, true));
    }

    @Test
    void aResumedRunEndsWithTheUninterruptedWeights(@TempDir Path dir) throws IOException {
        Dataset.Split split = data().split(0.25, 1);
        try (ReferenceBackend backend = new ReferenceBackend()) {
            TrainingResult whole = trainer(backend).build().fit(model(), split.train(), split.validation());
            TrainingListener crashAfterThree = new TrainingListener() {
                TrainingControl control;
                @Override public void onTrainingStart(TrainingControl c) { control = c; }
                @Override public void onEpochEnd(EpochStats s) {
                    if (s.epoch() == 3) {
                        control.stop();
                    }
                }
            };
            trainer(backend).checkpoints(Checkpoints.directory(dir), 1).listener(crashAfterThree).build()
                    .fit(model(), split.train(), split.validation());
            Checkpoint saved = Checkpoints.directory(dir).load().orElseThrow();
            assertEquals(3, saved.epoch());
            assertTrue(saved.best() != null, "early stopping's best model is kept");
            assertFalse(saved.model().layer("h1").trainable(), "frozen flags survive the file");

            TrainingResult resumed = trainer(backend).checkpoints(Checkpoints.directory(dir), 1).build()
                    .fit(model(), split.train(), split.validation());
            assertEquals(whole.history().returnedEpoch(), resumed.history().returnedEpoch());
            for (String name : List.of("h1", "h2", "out")) {
                assertArrayEquals(((Dense) whole.model().layer(name)).weights(), ((Dense) resumed.model().layer(name)).weights(), name);
            }
            for (int e = 0; e < 3; e++) {
                assertEquals(whole.history().epochs().get(e).validationLoss(), resumed.history().epochs().get(e).validationLoss(), 0,
                        "epoch " + (e + 1) + "'s statistics come back from the state file exactly");
            }
            try (var files = Files.list(dir)) {
                assertEquals(List.of("best-epoch-00005.safetensors", "checkpoint.properties", "model-epoch-00005.safetensors"),
                        files.map(p -> p.getFileName().toString()).sorted().toList(), "older checkpoints' files are removed");
            }
        }
    }

    @Test
    void theStateFileIsTheCommitPoint(@TempDir Path dir) throws IOException {
        Model m = model();
        Checkpoints store = Checkpoints.directory(dir);
        store.save(new Checkpoint("run", 1, m, null, List.of(new EpochStats(1, 0.5, 0.5, Double.NaN, Double.NaN, 1, 10, 0.1))));
        // A crash after the next epoch's model file was written but before the state file was replaced:
        Models.save(m.with(2, ((Dense) m.layer(2)).withParameters(new float[24], new float[3])),
                dir.resolve("model-epoch-00002.safetensors"), ModelFormat.GRAFT);
        Checkpoint loaded = store.load().orElseThrow();
        assertEquals(1, loaded.epoch());
        assertArrayEquals(((Dense) m.layer("out")).weights(), ((Dense) loaded.model().layer("out")).weights());
        assertTrue(Double.isNaN(loaded.epochs().get(0).validationLoss()));
        assertEquals(0.1, loaded.epochs().get(0).learningRate(), 0);
    }
}
