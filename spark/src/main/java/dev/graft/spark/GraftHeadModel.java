package dev.graft.spark;

import dev.graft.Model;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * The head trained by {@link GraftHeadEstimator}: runs the trained layers above the cut over a
 * features column (as {@link GraftFeaturizer} writes it) and appends the logits
 * ({@code rawPredictionCol}) and the predicted class ({@code predictionCol}). {@link #getModel()}
 * is the whole trained model (frozen layers plus trained head), ready for
 * {@code Models.save(model, path, ModelFormat.GRAFT)}.
 */
public final class GraftHeadModel extends org.apache.spark.ml.Model<GraftHeadModel> implements ModelStage, MLWritable {

    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> featuresCol;
    private final Param<String> predictionCol;
    private final Param<String> rawPredictionCol;
    private final Param<String> cutLayer;
    private final IntParam batchSize;
    private final Param<String> backend;
    private ModelBytes model;

    public GraftHeadModel(String uid) {
        this.uid = uid;
        featuresCol = new Param<>(this, "featuresCol", "features column: the cut layer's outputs, as a vector");
        predictionCol = new Param<>(this, "predictionCol", "output column: the predicted class index (double)");
        rawPredictionCol = new Param<>(this, "rawPredictionCol", "output column: the head's outputs (logits) as a vector");
        cutLayer = new Param<>(this, "cutLayer", "the layer the features come from; the head is every layer above it");
        batchSize = new IntParam(this, "batchSize", "rows per forward pass on an executor", ParamValidators.gt(0));
        backend = new Param<>(this, "backend", "Graft backend on the executors; empty: the best present");
        setDefault(featuresCol, "graft_features");
        setDefault(predictionCol, "prediction");
        setDefault(rawPredictionCol, "rawPrediction");
        setDefault(cutLayer, "");
        setDefault(batchSize, 256);
        setDefault(backend, "");
    }

    GraftHeadModel(String uid, Model trained) {
        this(uid);
        model = ModelBytes.of(trained);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> featuresCol() { return featuresCol; }
    public Param<String> predictionCol() { return predictionCol; }
    public Param<String> rawPredictionCol() { return rawPredictionCol; }
    public Param<String> cutLayer() { return cutLayer; }
    public IntParam batchSize() { return batchSize; }
    public Param<String> backend() { return backend; }

    public GraftHeadModel setFeaturesCol(String value) { set(featuresCol, value); return this; }
    public GraftHeadModel setPredictionCol(String value) { set(predictionCol, value); return this; }
    public GraftHeadModel setRawPredictionCol(String value) { set(rawPredictionCol, value); return this; }
    public GraftHeadModel setBatchSize(int value) { set(batchSize, value); return this; }
    public GraftHeadModel setBackend(String value) { set(backend, value); return this; }

    /** The whole trained model: the frozen layers below the cut and the trained head above it. */
    public Model getModel() {
        return model.model();
    }

    /** The trained layers above the cut: what {@link #transform} runs. */
    public Model head() {
        return ModelCut.top(getModel(), getOrDefault(cutLayer));
    }

    @Override
    public ModelBytes modelBytes() {
        return model;
    }

    @Override
    public void modelBytes(ModelBytes bytes) {
        model = bytes;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        InputColumn.of(schema, getOrDefault(featuresCol));
        StructType withRaw = StageColumns.appendVector(schema, getOrDefault(rawPredictionCol),
                model == null ? -1 : head().outputWidth());
        return StageColumns.appendDouble(withRaw, getOrDefault(predictionCol));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        return StageColumns.run(dataset.toDF(), head(), getOrDefault(featuresCol), "", (Integer) getOrDefault(batchSize),
                getOrDefault(backend), transformSchema(dataset.schema()), true);
    }

    @Override
    public GraftHeadModel copy(ParamMap extra) {
        return ModelStage.copy(this, new GraftHeadModel(uid), extra).setParent(parent());
    }

    public static MLReader<GraftHeadModel> read() {
        return new ModelStage.Reader<>(GraftHeadModel.class, GraftHeadModel::new);
    }

    public static GraftHeadModel load(String path) {
        return read().load(path);
    }
}
