package dev.graft.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.graft.Model;
import org.apache.spark.ml.param.ParamMap;
import org.junit.jupiter.api.Test;

/** What the three Graft stages share ({@link ModelStage}): a copy keeps the model; a missing model is named. */
class GraftStagesTest {

    private static final Model MLP = SparkTests.seedMlp(784, 10);

    @Test
    void copiesKeepTheModelAndTakeTheExtraParameters() {
        String sha = ModelBytes.of(MLP).sha256();

        GraftFeaturizer featurizer = new GraftFeaturizer().setModel(MLP).setBatchSize(40);
        GraftFeaturizer featurizerCopy = featurizer.copy(new ParamMap().put(featurizer.batchSize(), 7));
        assertEquals(featurizer.uid(), featurizerCopy.uid());
        assertEquals(7, featurizerCopy.getOrDefault(featurizerCopy.batchSize()));
        assertEquals(40, featurizer.getOrDefault(featurizer.batchSize()), "the original keeps its parameters");
        assertEquals(sha, featurizerCopy.modelBytes().sha256());

        GraftHeadEstimator estimator = new GraftHeadEstimator().setModel(MLP).setEpochs(2);
        GraftHeadEstimator estimatorCopy = estimator.copy(new ParamMap().put(estimator.epochs(), 3));
        assertEquals(3, estimatorCopy.getOrDefault(estimatorCopy.epochs()));
        assertEquals(sha, estimatorCopy.modelBytes().sha256());

        GraftHeadModel head = new GraftHeadModel(estimator.uid(), MLP).setParent(estimator);
        GraftHeadModel headCopy = head.copy(new ParamMap().put(head.predictionCol(), "p"));
        assertEquals("p", headCopy.getOrDefault(headCopy.predictionCol()));
        assertEquals(sha, headCopy.modelBytes().sha256());
        assertSame(estimator, headCopy.parent());
    }

    @Test
    void aStageWithoutAModelSaysHowToGiveIt() {
        IllegalStateException featurizer = assertThrows(IllegalStateException.class,
                () -> new GraftFeaturizer("f1").getModel());
        assertEquals("GraftFeaturizer f1 has no model: call setModelPath or setModel", featurizer.getMessage());
        IllegalStateException estimator = assertThrows(IllegalStateException.class,
                () -> new GraftHeadEstimator("e1").fit(SparkTests.spark().emptyDataFrame()));
        assertEquals("GraftHeadEstimator e1 has no model: call setModelPath or setModel", estimator.getMessage());
    }
}
