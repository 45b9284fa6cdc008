package dev.graft.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Backends;
import dev.graft.Model;
import dev.graft.cache.MemoryCache;
import dev.graft.loader.ModelFormat;
import dev.graft.loader.Models;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.train.Loss;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** featurize → head estimator → save → load → transform, against training the same model on one machine. */
class HeadPipelineTest {

    private static final String BACKEND = "reference";
    private static final int EPOCHS = 3;
    private static final int BATCH = 64;
    private static final float LEARNING_RATE = 0.05f;
    private static final long SEED = 11;

    private static dev.graft.data.Dataset train;
    private static dev.graft.data.Dataset test;
    private static Model transferred;
    private static Model singleMachine;
    private static double singleMachineAccuracy;

    @BeforeAll
    static void trainOnOneMachine() throws Exception {
        SparkTests.spark();   // readers and writers use the active session
        train = SparkTests.fashion("train").head(2000);
        test = SparkTests.fashion("t10k").head(600);
        transferred = SparkTests.seedMlp(784, 10);
        try (Backend b = Backends.open(BACKEND, BackendOptions.defaults())) {
            Trainer trainer = trainer(b);
            singleMachine = trainer.fit(transferred, train).model();
            singleMachineAccuracy = trainer.evaluate(singleMachine, test).accuracy();
        }
        assertTrue(singleMachineAccuracy > 0.3, "the head must beat chance (0.1) clearly: " + singleMachineAccuracy);
    }

    private static Trainer trainer(Backend b) {
        return Trainer.builder(b).loss(Loss.SOFTMAX_CROSS_ENTROPY).optimizer(Optimizer.sgd(LEARNING_RATE))
                .epochs(EPOCHS).batchSize(BATCH).seed(SEED).cache(new MemoryCache()).build();
    }

    private static Pipeline pipeline(String mode) {
        GraftFeaturizer featurizer = new GraftFeaturizer().setModel(transferred).setInputCol("features")
                .setOutputCol("bottleneck").setBackend(BACKEND);
        GraftHeadEstimator head = new GraftHeadEstimator().setModel(transferred).setFeaturesCol("bottleneck")
                .setLabelCol("label").setMode(mode).setEpochs(EPOCHS).setBatchSize(BATCH)
                .setLearningRate(LEARNING_RATE).setSeed(SEED).setBackend(BACKEND);
        return new Pipeline().setStages(new PipelineStage[] {featurizer, head});
    }

    private static double accuracy(Dataset<Row> predictions) {
        long right = predictions.filter("prediction = label").count();
        return (double) right / predictions.count();
    }

    /** The collect path is the single-machine Trainer on the same features: same model, same accuracy. */
    @Test
    void collectedPipelineSurvivesSaveAndLoadAndMatchesOneMachine(@TempDir Path dir) throws Exception {
        PipelineModel fitted = pipeline("collect").fit(SparkTests.vectors(train, 3));
        String saved = dir.resolve("pipeline").toString();
        fitted.write().overwrite().save(saved);
        PipelineModel loaded = PipelineModel.load(saved);
        double sparkAccuracy = accuracy(loaded.transform(SparkTests.vectors(test, 2)));
        assertEquals(singleMachineAccuracy, sparkAccuracy, 1e-12, "Spark pipeline vs one machine");

        Model trained = ((GraftHeadModel) loaded.stages()[1]).getModel();
        Path file = dir.resolve("head.safetensors");
        Models.save(trained, file, ModelFormat.GRAFT);
        Model reloaded = Models.load(file).model();
        try (Backend b = Backends.open(BACKEND, BackendOptions.defaults())) {
            assertEquals(singleMachineAccuracy, trainer(b).evaluate(reloaded, test).accuracy(), 1e-12,
                    "the saved Graft model vs one machine");
        }
        assertTrue(Files.size(file) > 0);
    }

    /** An unfitted pipeline saves and loads too: the estimator keeps its parameters and its Graft model. */
    @Test
    void unfittedPipelineKeepsParamsAndModel(@TempDir Path dir) throws Exception {
        String saved = dir.resolve("unfitted").toString();
        pipeline("stream").write().save(saved);
        PipelineStage[] stages = Pipeline.load(saved).getStages();
        GraftHeadEstimator head = (GraftHeadEstimator) stages[1];
        assertEquals("stream", head.getOrDefault(head.mode()));
        assertEquals(EPOCHS, head.getOrDefault(head.epochs()));
        assertEquals(ModelBytes.of(transferred).sha256(), head.modelBytes().sha256(), "the estimator's model, byte for byte");
        GraftFeaturizer featurizer = (GraftFeaturizer) stages[0];
        assertEquals("bottleneck", featurizer.getOrDefault(featurizer.outputCol()));
        assertEquals(transferred.toString(), featurizer.getModel().toString());
    }

    /** Streaming sees other batches (a cluster-side shuffle), so it matches in quality, not bit for bit. */
    @Test
    void streamedHeadReachesTheSameAccuracy() {
        PipelineModel fitted = pipeline("stream").fit(SparkTests.vectors(train, 3));
        double streamed = accuracy(fitted.transform(SparkTests.vectors(test, 2)));
        assertEquals(singleMachineAccuracy, streamed, 0.04, "streamed vs collected training");
    }
}
