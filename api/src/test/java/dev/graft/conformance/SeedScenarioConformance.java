package dev.graft.conformance;

import static dev.graft.conformance.LayerDrift.closeLayers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.cache.MemoryCache;
import dev.graft.data.Dataset;
import dev.graft.reference.ReferenceBackend;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.spi.BackendProvider;
import dev.graft.train.Evaluation;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The question Graft grew from, on real data: train 784-300-100-50-5 on Fashion-MNIST classes 0–4,
 * copy hidden1–3, freeze hidden1–2, put a fresh 5-way output on top, and fine-tune on a small
 * labelled set of classes 5–9 with the bottleneck cached. Backends run it by extending this class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SeedScenarioConformance {

    /** Labelled images per class in the transfer task: few enough that reuse matters. */
    static final int PER_CLASS = 30;

    protected abstract BackendProvider provider();

    /** Whether to also run the scenario on the reference backend and compare final weights. */
    protected boolean compareWithReference() {
        return true;
    }

    /** Everything the scenario produced on one backend. */
    public record Outcome(Model original, Model originalCopyBefore, Model transferred, Model fineTuned,
                          Evaluation transferredOnTest, Evaluation scratchOnTest) {
    }

    public static Outcome run(Backend backend) {
        Dataset source = TestData.fashionTrain().filterClasses(0, 1, 2, 3, 4).head(2500);
        Model fresh = Model.builder(784, 1)
                .dense("hidden1", 300, Activation.RELU)
                .dense("hidden2", 100, Activation.RELU)
                .dense("hidden3", 50, Activation.RELU)
                .dense("output", 5, Activation.IDENTITY)
                .build();
        Trainer sourceTrainer = Trainer.builder(backend).optimizer(Optimizer.momentum(0.01f, 0.9f))
                .epochs(4).batchSize(64).seed(2).build();
        return transferFrom(backend, sourceTrainer.fit(fresh, source).model());
    }

    /** The transfer half of the scenario, from a given original model. */
    public static Outcome transferFrom(Backend backend, Model original) {
        Dataset train = TestData.fashionTrain();
        Dataset test = TestData.fashionTest();
        Model before = Transfer.from(original).build();

        Model transferred = Transfer.from(original)
                .keepThrough("hidden3")
                .freezeThrough("hidden2")
                .add(Dense.spec("output", 5, Activation.IDENTITY))
                .seed(3)
                .build();
        Dataset small = train.filterClasses(5, 6, 7, 8, 9).samplePerClass(PER_CLASS, 4);
        Dataset target = test.filterClasses(5, 6, 7, 8, 9);
        Trainer fineTuner = Trainer.builder(backend).optimizer(Optimizer.momentum(0.01f, 0.9f))
                .epochs(30).batchSize(16).seed(5).cache(new MemoryCache()).build();
        Model fineTuned = fineTuner.fit(transferred, small).model();

        Model scratch = Model.builder(784, 6)
                .dense("hidden1", 300, Activation.RELU)
                .dense("hidden2", 100, Activation.RELU)
                .dense("hidden3", 50, Activation.RELU)
                .dense("output", 5, Activation.IDENTITY)
                .build();
        Model scratchTrained = Trainer.builder(backend).optimizer(Optimizer.momentum(0.01f, 0.9f))
                .epochs(30).batchSize(16).seed(5).build().fit(scratch, small).model();
        return new Outcome(original, before, transferred, fineTuned,
                fineTuner.evaluate(fineTuned, target), fineTuner.evaluate(scratchTrained, target));
    }

    @Test
    void transferFreezesCopiesAndBeatsTrainingFromScratch() {
        Conformance.requireOrSkip(provider());
        Outcome outcome;
        try (Backend backend = provider().open(BackendOptions.defaults())) {
            outcome = run(backend);
        }
        System.out.printf("seed scenario on %s: transferred accuracy %.4f, from scratch %.4f (%d labelled images per class, %d test images)%n",
                provider().name(), outcome.transferredOnTest().accuracy(), outcome.scratchOnTest().accuracy(),
                PER_CLASS, outcome.transferredOnTest().samples());

        Model t = outcome.transferred();
        Model f = outcome.fineTuned();
        for (String frozen : new String[] {"hidden1", "hidden2"}) {
            assertTrue(((Dense) f.layer(frozen)).sameParameters((Dense) outcome.original().layer(frozen)),
                    frozen + " must stay bit-identical to the original's");
            assertFalse(f.layer(frozen).trainable(), frozen + " must stay frozen");
        }
        assertFalse(((Dense) f.layer("hidden3")).sameParameters((Dense) t.layer("hidden3")), "hidden3 is trainable and must change");
        assertTrue(((Dense) t.layer("hidden3")).sameParameters((Dense) outcome.original().layer("hidden3")), "hidden3 starts as a copy");
        for (int i = 0; i < outcome.original().size(); i++) {
            assertTrue(((Dense) outcome.original().layer(i)).sameParameters((Dense) outcome.originalCopyBefore().layer(i)),
                    "the original model must be unchanged");
        }
        assertEquals(5, f.outputWidth());
        double transferred = outcome.transferredOnTest().accuracy();
        double scratch = outcome.scratchOnTest().accuracy();
        assertTrue(transferred > 0.5, "transferred accuracy " + transferred + " should be far above chance (0.2)");
        // Measured, not asserted: on this split the from-scratch network does better (about 0.89 vs
        // 0.84 on the reference backend). Features learned on tops and trousers (0-4) lose
        // information that shoes and bags (5-9) need; see the README's "Results" section.
        assertTrue(scratch > 0.2, "from-scratch accuracy " + scratch + " should be above chance too");

        if (compareWithReference() && !provider().name().equals("reference")) {
            Outcome ref;
            try (Backend referenceBackend = new ReferenceBackend()) {
                ref = run(referenceBackend);
            }
            // Long runs of SGD with momentum do not stay element-wise close across backends: a
            // pre-activation within rounding of zero flips a ReLU on one backend and not on another
            // (measured on an Intel Sapphire Rapids CPU: the cpu backend's weights were within 5e-7
            // of the reference's after 39 steps and 3e-3 of their change after the 40th, a 4-row
            // batch), and training carries that on. So the original models are compared as whole
            // vectors per layer, the fine-tuning is compared from the same original (the
            // reference's) so that it does not inherit the first run's drift, and the accuracies
            // must agree to a few test images. A wrong gradient, update or freeze moves all of
            // these far more; step-exact agreement is TrainingConformance's job.
            Outcome fromSameOriginal;
            try (Backend backend = provider().open(BackendOptions.defaults())) {
                fromSameOriginal = transferFrom(backend, ref.original());
            }
            double worst = 0;
            for (int i = 0; i < f.size(); i++) {
                closeLayers("original", ref.original(), outcome.original(), i, 5e-2);
                worst = Math.max(worst, closeLayers("fine-tuned", ref.fineTuned(), fromSameOriginal.fineTuned(), i, 1e-4));
            }
            assertEquals(ref.transferredOnTest().accuracy(), fromSameOriginal.transferredOnTest().accuracy(), 1.5 / target(),
                    "transferred accuracy from the reference's original vs reference");
            System.out.printf("seed scenario on %s vs reference, fine-tuned from the same original: largest relative L2 difference of a layer %.2e%n",
                    provider().name(), worst);
            assertEquals(ref.transferredOnTest().accuracy(), transferred, 0.015, "transferred accuracy vs reference");
            assertEquals(ref.scratchOnTest().accuracy(), scratch, 0.015, "from-scratch accuracy vs reference");
        }
    }

    private static int target() {
        return TestData.fashionTest().filterClasses(5, 6, 7, 8, 9).size();
    }
}
