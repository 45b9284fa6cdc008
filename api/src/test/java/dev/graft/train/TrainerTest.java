package dev.graft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.cache.MemoryCache;
import dev.graft.conformance.TestData;
import dev.graft.data.Dataset;
import dev.graft.reference.ReferenceBackend;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerTest {

    private final ReferenceBackend backend = new ReferenceBackend();
    private final Dataset data = TestData.fashionTrain().head(600);

    private Model model() {
        return Model.builder(784, 3).dense("h1", 32, Activation.RELU).dense("h2", 16, Activation.RELU)
                .dense("out", 10, Activation.IDENTITY).build();
    }

    @Test
    void earlyStoppingReturnsTheBestEpochsWeights() {
        Dataset.Split split = data.split(0.3, 1);
        Trainer trainer = Trainer.builder(backend).optimizer(Optimizer.adam(0.01f)).epochs(12).batchSize(32).seed(1)
                .earlyStopping(EarlyStopping.onValidationLoss(2)).build();
        TrainingResult result = trainer.fit(model(), split.train(), split.validation());
        History h = result.history();
        double best = h.epochs().stream().mapToDouble(EpochStats::validationLoss).min().orElseThrow();
        assertEquals(best, h.epochs().get(h.returnedEpoch() - 1).validationLoss(), 0);
        assertEquals(best, trainer.evaluate(result.model(), split.validation()).loss(), 1e-5,
                "the returned model must be the best epoch's");
    }

    @Test
    void cachedAndUncachedTrainingGiveTheSameWeights() {
        Model frozen = Transfer.from(model()).freezeThrough("h1").build();
        List<TrainingListener.FeaturesEvent> events = new ArrayList<>();
        TrainingListener recorder = new TrainingListener() {
            @Override public void onFeatures(FeaturesEvent e) { events.add(e); }
        };
        MemoryCache cache = new MemoryCache();
        Trainer.Builder common = Trainer.builder(backend).optimizer(Optimizer.momentum(0.05f, 0.9f)).epochs(3).batchSize(32).seed(4);
        Model plain = common.build().fit(frozen, data).model();
        Trainer cachedTrainer = common.cache(cache).listener(recorder).build();
        Model cached = cachedTrainer.fit(frozen, data).model();
        Model again = cachedTrainer.fit(frozen, data).model();
        for (String name : new String[] {"h2", "out"}) {
            dev.graft.conformance.Conformance.assertClose(name, ((Dense) plain.layer(name)).weights(),
                    ((Dense) cached.layer(name)).weights(), 1e-5, 1e-4);
        }
        assertTrue(((Dense) cached.layer("h2")).sameParameters((Dense) again.layer("h2")));
        assertEquals(List.of(false, true), events.stream().map(TrainingListener.FeaturesEvent::hit).toList());
    }

    @Test
    void divergingLossNamesEpochAndBatch() {
        Trainer trainer = Trainer.builder(backend).optimizer(Optimizer.sgd(1e30f)).epochs(3).batchSize(100).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> trainer.fit(model(), data));
        assertTrue(e.getMessage().contains("epoch 1") && e.getMessage().contains("batch"), e.getMessage());
    }

    @Test
    void moreClassesThanOutputsIsAClearError() {
        Model five = Transfer.from(model()).replaceOutput(5).build();
        Trainer trainer = Trainer.builder(backend).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.fit(five, data));
        assertTrue(e.getMessage().contains("10 classes") && e.getMessage().contains("'out' has 5 units"), e.getMessage());
        IllegalArgumentException w = assertThrows(IllegalArgumentException.class,
                () -> trainer.fit(Model.builder(100, 1).dense("x", 10, Activation.RELU).build(), data));
        assertTrue(w.getMessage().contains("784 features") && w.getMessage().contains("'x' takes 100"), w.getMessage());
    }

    @Test
    void evaluationConfusionMatrixAddsUp() {
        Trainer trainer = Trainer.builder(backend).epochs(2).build();
        Model m = trainer.fit(model(), data).model();
        Evaluation e = trainer.evaluate(m, data);
        int total = 0;
        int diagonal = 0;
        for (int i = 0; i < 10; i++) {
            for (int j = 0; j < 10; j++) {
                total += e.confusion()[i][j];
            }
            diagonal += e.confusion()[i][i];
        }
        assertEquals(data.size(), total);
        assertEquals(e.accuracy(), (double) diagonal / total, 1e-12);
    }
}
