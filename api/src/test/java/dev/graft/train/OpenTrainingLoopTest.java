package dev.graft.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.conformance.TestData;
import dev.graft.data.Dataset;
import dev.graft.reference.ReferenceBackend;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The training loop's open parts, on the reference backend (deterministic, so runs that should be
 * the same computation must give bit-identical weights): batch order and samplers, learning-rate
 * schedules, checkpoints and resuming, and listeners that stop a run or read its weights.
 */
class OpenTrainingLoopTest {

    private final ReferenceBackend backend = new ReferenceBackend();
    private final Dataset data = TestData.fashionTrain().head(300);

    private static Model model() {
        return Model.builder(784, 3).dense("h1", 16, Activation.RELU).dense("out", 10, Activation.IDENTITY).build();
    }

    private Trainer.Builder sgd(float rate) {
        return Trainer.builder(backend).optimizer(Optimizer.sgd(rate)).batchSize(32).seed(5);
    }

    private static void assertSameWeights(Model expected, Model actual) {
        for (String name : new String[] {"h1", "out"}) {
            Dense e = (Dense) expected.layer(name);
            Dense a = (Dense) actual.layer(name);
            assertArrayEquals(e.weights(), a.weights(), name + " weights");
            assertArrayEquals(e.bias(), a.bias(), name + " bias");
        }
    }

    @Test
    void unshuffledTrainingFollowsTheDatasetOrder() {
        Model sequential = sgd(0.05f).epochs(2).shuffle(false).build().fit(model(), data).model();
        int[] reversed = new int[data.size()];
        for (int i = 0; i < reversed.length; i++) {
            reversed[i] = data.size() - 1 - i;
        }
        // An explicit order over the data equals training, unshuffled, on the data rearranged in that order.
        Model explicit = sgd(0.05f).epochs(2).batchOrder(BatchOrder.fixed(reversed)).build().fit(model(), data).model();
        Model rearranged = sgd(0.05f).epochs(2).shuffle(false).build().fit(model(), data.subset(reversed)).model();
        assertSameWeights(rearranged, explicit);
        Model shuffled = sgd(0.05f).epochs(2).build().fit(model(), data).model();
        assertFalse(((Dense) shuffled.layer("out")).sameParameters((Dense) sequential.layer("out")), "shuffling changes the batches");
        assertSameWeights(shuffled, sgd(0.05f).epochs(2).batchOrder(BatchOrder.shuffled(5)).build().fit(model(), data).model());
    }

    @Test
    void aSamplerMayRepeatSamplesAndBadIndicesAreNamed() {
        List<Integer> batches = new ArrayList<>();
        TrainingListener counter = new TrainingListener() {
            @Override public void onEpochStart(int epoch, int n) { batches.add(n); }
        };
        BatchOrder twice = (epoch, train) -> {
            int[] o = new int[train.size() * 2];
            for (int i = 0; i < o.length; i++) {
                o[i] = i % train.size();
            }
            return o;
        };
        TrainingResult r = sgd(0.05f).epochs(1).batchOrder(twice).listener(counter).build().fit(model(), data);
        assertEquals(List.of((600 + 31) / 32), batches);
        assertEquals(600, r.history().last().samples());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> sgd(0.05f).epochs(1).batchOrder(BatchOrder.fixed(0, 300)).build().fit(model(), data));
        assertTrue(e.getMessage().contains("sample 300") && e.getMessage().contains("has 300"), e.getMessage());
    }

    @Test
    void schedulesGiveTheDocumentedRates() {
        LearningRateSchedule step = LearningRateSchedule.step(2, 0.5f);
        assertEquals(List.of(0.1f, 0.1f, 0.05f, 0.05f, 0.025f), List.of(step.learningRate(1, 0.1f, List.of()),
                step.learningRate(2, 0.1f, List.of()), step.learningRate(3, 0.1f, List.of()),
                step.learningRate(4, 0.1f, List.of()), step.learningRate(5, 0.1f, List.of())));
        LearningRateSchedule cosine = LearningRateSchedule.cosine(5, 0.01f);
        assertEquals(0.1f, cosine.learningRate(1, 0.1f, List.of()), 1e-7);
        assertEquals((0.1 + 0.01) / 2, cosine.learningRate(3, 0.1f, List.of()), 1e-7);
        assertEquals(0.01f, cosine.learningRate(5, 0.1f, List.of()), 1e-7);
        assertEquals(0.01f, cosine.learningRate(9, 0.1f, List.of()), 1e-7);

        LearningRateSchedule plateau = LearningRateSchedule.reduceOnPlateau(EarlyStopping.Monitor.VALIDATION_LOSS, 0.5f, 2, 0.02f);
        double[] losses = {1.0, 0.9, 0.95, 0.91, 0.8, 0.85, 0.9, 0.95, 0.99};
        // improves, improves, wait 1, wait 2 -> halve, improves, wait 1, wait 2 -> halve, wait 1, wait 2 -> floor 0.02
        float[] expected = {0.1f, 0.1f, 0.1f, 0.1f, 0.05f, 0.05f, 0.05f, 0.025f, 0.025f, 0.02f};
        List<EpochStats> finished = new ArrayList<>();
        for (int epoch = 1; epoch <= expected.length; epoch++) {
            assertEquals(expected[epoch - 1], plateau.learningRate(epoch, 0.1f, finished), 1e-7, "epoch " + epoch);
            if (epoch <= losses.length) {
                finished.add(new EpochStats(epoch, 1, 0, losses[epoch - 1], 0, 0, 1));
            }
        }
    }

    @Test
    void aScheduledRunEqualsRunsAtEachRate() {
        TrainingResult scheduled = sgd(0.1f).epochs(2).shuffle(false).learningRateSchedule(LearningRateSchedule.step(1, 0.5f))
                .build().fit(model(), data);
        assertEquals(List.of(0.1f, 0.05f), scheduled.history().epochs().stream().map(s -> (float) s.learningRate()).toList());
        Model first = sgd(0.1f).epochs(1).shuffle(false).build().fit(model(), data).model();
        Model second = sgd(0.05f).epochs(1).shuffle(false).build().fit(first, data).model();
        assertSameWeights(second, scheduled.model());
    }

    @Test
    void aStoppedRunResumesFromItsCheckpointToTheUninterruptedWeights() throws java.io.IOException {
        Model uninterrupted = sgd(0.05f).epochs(4).build().fit(model(), data).model();
        CheckpointStore store = CheckpointStore.inMemory();
        TrainingListener stopAfterTwo = new TrainingListener() {
            TrainingControl control;
            @Override public void onTrainingStart(TrainingControl c) { control = c; }
            @Override public void onEpochEnd(EpochStats stats) {
                if (stats.epoch() == 2) {
                    control.stop();
                }
            }
        };
        TrainingResult stopped = sgd(0.05f).epochs(4).checkpoints(store, 1).listener(stopAfterTwo).build().fit(model(), data);
        assertEquals(2, stopped.history().epochs().size());
        assertTrue(stopped.history().stoppedEarly());
        assertEquals(2, store.load().orElseThrow().epoch());

        List<Integer> epochsRun = new ArrayList<>();
        TrainingListener recorder = new TrainingListener() {
            @Override public void onEpochEnd(EpochStats stats) { epochsRun.add(stats.epoch()); }
        };
        TrainingResult resumed = sgd(0.05f).epochs(4).checkpoints(store, 1).listener(recorder).build().fit(model(), data);
        assertEquals(List.of(3, 4), epochsRun, "only the epochs after the checkpoint run");
        assertEquals(4, resumed.history().epochs().size(), "the history includes the checkpoint's epochs");
        assertSameWeights(uninterrupted, resumed.model());

        IllegalStateException other = assertThrows(IllegalStateException.class,
                () -> sgd(0.05f).seed(6).epochs(4).checkpoints(store, 1).build().fit(model(), data));
        assertTrue(other.getMessage().contains("another run"), other.getMessage());
    }

    @Test
    void aListenerCanStopMidEpochAndReadTheCurrentWeights() {
        List<Model> seen = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            TrainingControl control;
            @Override public void onTrainingStart(TrainingControl c) { control = c; }
            @Override public void onEpochEnd(EpochStats stats) { seen.add(control.currentModel()); }
            @Override public void onBatch(int epoch, int batch, int batches, int samples, double loss) {
                if (epoch == 2 && batch == 3) {
                    control.stop();
                }
            }
        };
        TrainingResult r = sgd(0.05f).epochs(5).listener(listener).build().fit(model(), data);
        assertEquals(2, r.history().epochs().size());
        assertEquals(3 * 32, r.history().last().samples(), "the stopped epoch counts the samples it trained");
        assertTrue(r.history().stoppedEarly());
        assertSameWeights(sgd(0.05f).epochs(1).build().fit(model(), data).model(), seen.get(0));
    }

    @Test
    void evaluationMetricsMatchAnIndependentCount() {
        Trainer trainer = sgd(0.05f).epochs(2).build();
        Model m = trainer.fit(model(), data).model();
        Evaluation e = trainer.evaluate(m, data);
        dev.graft.predict.Predictions p;
        try (dev.graft.predict.Predictor predictor = dev.graft.predict.Predictor.create(m, backend)) {
            p = predictor.predict(data.withoutLabels());
        }
        int[] predicted = p.classes();
        for (int c = 0; c < 10; c++) {
            int tp = 0, fp = 0, fn = 0;
            for (int s = 0; s < data.size(); s++) {
                boolean actual = data.label(s) == c;
                boolean pred = predicted[s] == c;
                tp += actual && pred ? 1 : 0;
                fp += !actual && pred ? 1 : 0;
                fn += actual && !pred ? 1 : 0;
            }
            double precision = tp + fp == 0 ? Double.NaN : (double) tp / (tp + fp);
            double recall = tp + fn == 0 ? Double.NaN : (double) tp / (tp + fn);
            assertEquals(precision, e.precisionPerClass()[c], 1e-12, "precision of class " + c);
            assertEquals(recall, e.recallPerClass()[c], 1e-12, "recall of class " + c);
            if (!Double.isNaN(precision) && precision + recall > 0) {
                assertEquals(2 * precision * recall / (precision + recall), e.f1PerClass()[c], 1e-12, "F1 of class " + c);
            }
        }
        for (int k : new int[] {1, 3, 10}) {
            int hits = 0;
            for (int s = 0; s < data.size(); s++) {
                for (dev.graft.predict.ClassScore cs : p.top(s, k)) {
                    hits += cs.label() == data.label(s) ? 1 : 0;
                }
            }
            assertEquals((double) hits / data.size(), e.topKAccuracy(k), 1e-12, "top-" + k);
        }
        assertEquals(e.accuracy(), e.topKAccuracy(1), 1e-12);
        String report = e.toString();
        assertTrue(report.contains("precision") && report.contains("confusion") && !report.contains("[[I@"), report);
        assertTrue(report.contains(String.format(java.util.Locale.ROOT, "accuracy %.2f %%", 100 * e.accuracy())), report);
    }
}
