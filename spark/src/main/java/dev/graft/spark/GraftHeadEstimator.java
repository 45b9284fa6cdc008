package dev.graft.spark;

import dev.graft.Model;
import dev.graft.train.Optimizer;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;

/**
 * Trains the layers of a Graft model above the cut (the trainable head) on features that
 * {@link GraftFeaturizer} computed, with a softmax cross-entropy loss on {@code labelCol}
 * (class indices 0..n−1), on the driver.
 *
 * <p>Two ways to get the features to the driver ({@code mode}):
 * <ul>
 *   <li>{@code collect} (default): the features are collected into the driver's heap once and
 *       trained with Graft's {@code Trainer}: exactly what training on one machine does (same
 *       shuffles, same result for the same seed). Use it while rows × width × 4 bytes fits the
 *       driver comfortably (10 million rows of 100 features are 4 GB).</li>
 *   <li>{@code stream}: each epoch reads the table (best a Parquet feature table written once)
 *       through {@code toLocalIterator}, one partition at a time, in an order shuffled on the
 *       cluster ({@code orderBy(rand(seed))}, unless {@code shuffle} is false) and takes a step per
 *       batch; the driver holds one partition. Use it when the features do not fit the driver.
 *       Each epoch costs a cluster job (and a sort when shuffling).</li>
 * </ul>
 */
public final class GraftHeadEstimator extends Estimator<GraftHeadModel> implements ModelStage, MLWritable {

    private static final long serialVersionUID = 1L;

    private final String uid;
    final Param<String> featuresCol;
    final Param<String> labelCol;
    final Param<String> modelPath;
    final Param<String> cutLayer;
    final Param<String> mode;
    final IntParam epochs;
    final IntParam batchSize;
    final DoubleParam learningRate;
    final Param<String> optimizer;
    final LongParam seed;
    final Param<String> backend;
    final BooleanParam shuffle;
    private ModelBytes model;

    public GraftHeadEstimator() {
        this(Identifiable.randomUID("graftHead"));
    }

    public GraftHeadEstimator(String uid) {
        this.uid = uid;
        featuresCol = new Param<>(this, "featuresCol", "features column: the cut layer's outputs, as a vector or array");
        labelCol = new Param<>(this, "labelCol", "class index column (0..classes-1)");
        modelPath = new Param<>(this, "modelPath", "the transferred model, on the driver's file system");
        cutLayer = new Param<>(this, "cutLayer", "the layer the features come from; empty: the top frozen layer");
        mode = new Param<>(this, "mode", "collect: features into the driver's heap; stream: a batch at a time from the table",
                ParamValidators.inArray(new String[] {"collect", "stream"}));
        epochs = new IntParam(this, "epochs", "passes over the features", ParamValidators.gt(0));
        batchSize = new IntParam(this, "batchSize", "rows per training step", ParamValidators.gt(0));
        learningRate = new DoubleParam(this, "learningRate", "optimizer learning rate", ParamValidators.gt(0));
        optimizer = new Param<>(this, "optimizer", "sgd or adam", ParamValidators.inArray(new String[] {"sgd", "adam"}));
        seed = new LongParam(this, "seed", "seeds the batch shuffles and dropout");
        backend = new Param<>(this, "backend", "Graft backend for training (driver) and prediction (executors); empty: the best present");
        shuffle = new BooleanParam(this, "shuffle", "stream mode: shuffle the rows on the cluster every epoch");
        setDefault(featuresCol, "graft_features");
        setDefault(labelCol, "label");
        setDefault(modelPath, "");
        setDefault(cutLayer, "");
        setDefault(mode, "collect");
        setDefault(epochs, 10);
        setDefault(batchSize, 64);
        setDefault(learningRate, 0.01);
        setDefault(optimizer, "sgd");
        setDefault(seed, 7L);
        setDefault(backend, "");
        setDefault(shuffle, true);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> featuresCol() { return featuresCol; }
    public Param<String> labelCol() { return labelCol; }
    public Param<String> modelPath() { return modelPath; }
    public Param<String> cutLayer() { return cutLayer; }
    public Param<String> mode() { return mode; }
    public IntParam epochs() { return epochs; }
    public IntParam batchSize() { return batchSize; }
    public DoubleParam learningRate() { return learningRate; }
    public Param<String> optimizer() { return optimizer; }
    public LongParam seed() { return seed; }
    public Param<String> backend() { return backend; }
    public BooleanParam shuffle() { return shuffle; }

    public GraftHeadEstimator setFeaturesCol(String value) { set(featuresCol, value); return this; }
    public GraftHeadEstimator setLabelCol(String value) { set(labelCol, value); return this; }
    public GraftHeadEstimator setCutLayer(String value) { set(cutLayer, value); return this; }
    public GraftHeadEstimator setMode(String value) { set(mode, value); return this; }
    public GraftHeadEstimator setEpochs(int value) { set(epochs, value); return this; }
    public GraftHeadEstimator setBatchSize(int value) { set(batchSize, value); return this; }
    public GraftHeadEstimator setLearningRate(double value) { set(learningRate, value); return this; }
    public GraftHeadEstimator setOptimizer(String value) { set(optimizer, value); return this; }
    public GraftHeadEstimator setSeed(long value) { set(seed, value); return this; }
    public GraftHeadEstimator setBackend(String value) { set(backend, value); return this; }
    public GraftHeadEstimator setShuffle(boolean value) { set(shuffle, value); return this; }

    /** Reads the transferred model at {@code path} (on the driver) now. */
    public GraftHeadEstimator setModelPath(String path) {
        set(modelPath, path);
        return setModel(ModelCut.load(path));
    }

    /** Uses {@code m}, the transferred model whose layers above the cut are trained. */
    public GraftHeadEstimator setModel(Model m) {
        model = ModelBytes.of(m);
        return this;
    }

    @Override
    public ModelBytes modelBytes() {
        return model;
    }

    @Override
    public void modelBytes(ModelBytes bytes) {
        model = bytes;
    }

    Optimizer optimizerValue() {
        float lr = (float) (double) (Double) getOrDefault(learningRate);
        return getOrDefault(optimizer).equals("adam") ? Optimizer.adam(lr) : Optimizer.sgd(lr);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        InputColumn.of(schema, getOrDefault(featuresCol));
        if (!java.util.Arrays.asList(schema.fieldNames()).contains(getOrDefault(labelCol))) {
            throw new IllegalArgumentException("label column '" + getOrDefault(labelCol) + "' is not in the data; its columns are "
                    + String.join(", ", schema.fieldNames()));
        }
        GraftHeadModel shape = new GraftHeadModel(uid);
        shape.set(shape.featuresCol(), getOrDefault(featuresCol));
        return shape.transformSchema(schema);
    }

    @Override
    public GraftHeadModel fit(Dataset<?> dataset) {
        ModelBytes given = ModelStage.requireModel(this);
        transformSchema(dataset.schema());
        Model full = given.model();
        String cut = getOrDefault(cutLayer);
        Model trainedTop = HeadTraining.train(this, dataset.toDF(), ModelCut.top(full, cut));
        Model trained = ModelCut.prefix(full, cut).concat(trainedTop);
        GraftHeadModel fitted = new GraftHeadModel(uid, trained);
        fitted.set(fitted.featuresCol(), getOrDefault(featuresCol));
        fitted.set(fitted.cutLayer(), cut);
        fitted.set(fitted.backend(), getOrDefault(backend));
        return fitted.setParent(this);
    }

    @Override
    public GraftHeadEstimator copy(ParamMap extra) {
        return ModelStage.copy(this, new GraftHeadEstimator(uid), extra);
    }

    public static MLReader<GraftHeadEstimator> read() {
        return new ModelStage.Reader<>(GraftHeadEstimator.class, GraftHeadEstimator::new);
    }

    public static GraftHeadEstimator load(String path) {
        return read().load(path);
    }
}
