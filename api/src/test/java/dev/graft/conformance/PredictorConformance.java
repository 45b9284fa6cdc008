package dev.graft.conformance;

import static dev.graft.conformance.Conformance.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.Model;
import dev.graft.data.Dataset;
import dev.graft.predict.ClassScore;
import dev.graft.predict.Predictions;
import dev.graft.predict.Predictor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Predictor} on the backend under test: batched inference (several chunks and a short last
 * one, dropout off) against an independent double-precision forward pass; probabilities against
 * the softmax of those outputs; the same answers for arrays, labelled and unlabelled datasets.
 */
public abstract class PredictorConformance extends LayerConformance {

    private static Model classifier(Activation top) {
        return Model.builder(20, 17).dense("h1", 16, Activation.RELU).dropout("drop", 0.5f)
                .dense("h2", 12, Activation.TANH).dense("out", 5, top).build();
    }

    @Test
    void predictionsMatchAnIndependentForwardPassInBatches() {
        Model model = classifier(Activation.IDENTITY);
        int n = 150;
        float[] x = Conformance.random(new SplittableRandom(3), n * 20, 1);
        float[][] rows = new float[n][];
        for (int r = 0; r < n; r++) {
            rows[r] = java.util.Arrays.copyOfRange(x, r * 20, (r + 1) * 20);
        }
        try (Predictor predictor = Predictor.create(model, backend, 64)) {
            Predictions p = predictor.predict(rows);
            assertEquals(Predictions.OutputKind.LOGITS, p.kind());
            for (int r = 0; r < n; r++) {
                double[] expected = HostMath.forward(model, x, r * 20);
                float[] e = new float[5];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < 5; j++) {
                    e[j] = (float) expected[j];
                    max = Math.max(max, expected[j]);
                }
                assertClose("outputs of sample " + r, e, p.output(r), 1e-4, 1e-3);
                double sum = 0;
                for (double v : expected) {
                    sum += Math.exp(v - max);
                }
                float[] probabilities = new float[5];
                for (int j = 0; j < 5; j++) {
                    probabilities[j] = (float) (Math.exp(expected[j] - max) / sum);
                }
                assertClose("probabilities of sample " + r, probabilities, p.probabilities(r), 1e-5, 1e-3);
                ClassScore[] top = p.top(r, 3);
                assertEquals(p.classes()[r], top[0].label(), "top-1 is the arg-max");
                assertTrue(top[0].score() >= top[1].score() && top[1].score() >= top[2].score(), "best first");
                assertEquals(p.probabilities(r)[top[2].label()], top[2].score());
            }
            Dataset labelled = Dataset.classification(x, 20, new int[n], 5);
            assertArrayEquals(p.classes(), predictor.predict(labelled).classes(), "labels are ignored");
            assertArrayEquals(p.classes(), predictor.predict(Dataset.unlabelled(x, 20)).classes());
            assertArrayEquals(p.output(7), predictor.predict(rows[7]).output(0), "one sample alone = the same sample in a batch");
        }
    }

    @Test
    void softmaxModelsGiveTheirOutputsAsProbabilitiesAndOthersHaveNone() {
        float[] x = Conformance.random(new SplittableRandom(4), 3 * 20, 1);
        try (Predictor softmax = Predictor.create(classifier(Activation.SOFTMAX), backend);
             Predictor relu = Predictor.create(classifier(Activation.RELU), backend)) {
            Predictions p = softmax.predict(Dataset.unlabelled(x, 20));
            assertEquals(Predictions.OutputKind.PROBABILITIES, p.kind());
            assertArrayEquals(p.output(1), p.probabilities(1));
            Predictions v = relu.predict(Dataset.unlabelled(x, 20));
            IllegalStateException e = assertThrows(IllegalStateException.class, v::probabilities);
            assertTrue(e.getMessage().contains("outputs()"), e.getMessage());
            IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> relu.predict(new float[19]));
            assertTrue(wrong.getMessage().contains("'h1' takes 20"), wrong.getMessage());
        }
    }
}
