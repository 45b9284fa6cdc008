package dev.graft.spark;

import dev.graft.Model;
import dev.graft.cache.Featurizer;
import org.apache.spark.ml.Transformer;
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
 * A Spark ML {@link Transformer} that runs a Graft model's lower layers (up to {@code cutLayer},
 * by default the top frozen layer) over an input column on the executors and appends their
 * outputs, the bottleneck features, as a {@code Vector} column. Each executor parses the broadcast
 * model once, opens the best backend present on it (or {@code backend}), featurizes each partition
 * in batches of {@code batchSize} and frees native memory when the partition ends. Features equal
 * {@code graft featurize} / {@link Featurizer} on one machine, bit for bit on the same backend.
 *
 * <pre>{@code
 * GraftFeaturizer featurizer = new GraftFeaturizer()
 *         .setModelPath("transferred.safetensors").setInputCol("pixels").setOutputCol("features");
 * Dataset<Row> features = featurizer.transform(images);
 * }</pre>
 *
 * <p>The input column's width is checked against the model before any featurizing task runs; a
 * non-finite value fails the task with the row's partition and index (and {@code rowIdCol}'s value).
 */
public final class GraftFeaturizer extends Transformer implements ModelStage, MLWritable {

    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> modelPath;
    private final Param<String> cutLayer;
    private final IntParam batchSize;
    private final Param<String> backend;
    private final Param<String> rowIdCol;
    private ModelBytes model;

    public GraftFeaturizer() {
        this(Identifiable.randomUID("graftFeaturizer"));
    }

    public GraftFeaturizer(String uid) {
        this.uid = uid;
        inputCol = new Param<>(this, "inputCol", "input column: a Spark ML vector, array<float> or array<double>");
        outputCol = new Param<>(this, "outputCol", "output column: a vector of the cut layer's outputs");
        modelPath = new Param<>(this, "modelPath", "the model, on the driver's file system (any format Graft reads)");
        cutLayer = new Param<>(this, "cutLayer", "the top layer whose outputs are the features; empty: the top frozen layer");
        batchSize = new IntParam(this, "batchSize", "rows per forward pass on an executor", ParamValidators.gt(0));
        backend = new Param<>(this, "backend", "Graft backend on the executors (cpu, cuda, tf, reference); empty: the best present");
        rowIdCol = new Param<>(this, "rowIdCol", "a column identifying rows in error messages; empty: none");
        setDefault(inputCol, "features");
        setDefault(outputCol, "graft_features");
        setDefault(modelPath, "");
        setDefault(cutLayer, "");
        setDefault(batchSize, Featurizer.DEFAULT_BATCH);
        setDefault(backend, "");
        setDefault(rowIdCol, "");
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> inputCol() { return inputCol; }
    public Param<String> outputCol() { return outputCol; }
    public Param<String> modelPath() { return modelPath; }
    public Param<String> cutLayer() { return cutLayer; }
    public IntParam batchSize() { return batchSize; }
    public Param<String> backend() { return backend; }
    public Param<String> rowIdCol() { return rowIdCol; }

    public GraftFeaturizer setInputCol(String value) { set(inputCol, value); return this; }
    public GraftFeaturizer setOutputCol(String value) { set(outputCol, value); return this; }
    public GraftFeaturizer setCutLayer(String value) { set(cutLayer, value); return this; }
    public GraftFeaturizer setBatchSize(int value) { set(batchSize, value); return this; }
    public GraftFeaturizer setBackend(String value) { set(backend, value); return this; }
    public GraftFeaturizer setRowIdCol(String value) { set(rowIdCol, value); return this; }

    /** Reads the model at {@code path} (on the driver) now; a saved featurizer keeps the model itself. */
    public GraftFeaturizer setModelPath(String path) {
        set(modelPath, path);
        return setModel(ModelCut.load(path));
    }

    /** Uses {@code m} (e.g. the result of {@code Transfer}) as the model. */
    public GraftFeaturizer setModel(Model m) {
        model = ModelBytes.of(m);
        return this;
    }

    /** The whole model as given (not cut). */
    public Model getModel() {
        return ModelStage.requireModel(this).model();
    }

    /** The layers this transformer runs: up to and including the cut layer. */
    public Model featurizingPrefix() {
        return ModelCut.prefix(getModel(), getOrDefault(cutLayer));
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
        InputColumn.of(schema, getOrDefault(inputCol));
        return StageColumns.appendVector(schema, getOrDefault(outputCol), model == null ? -1 : featurizingPrefix().outputWidth());
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        Model prefix = featurizingPrefix();
        return StageColumns.run(dataset.toDF(), prefix, getOrDefault(inputCol), getOrDefault(rowIdCol),
                (Integer) getOrDefault(batchSize), getOrDefault(backend), transformSchema(dataset.schema()), false);
    }

    @Override
    public GraftFeaturizer copy(ParamMap extra) {
        return ModelStage.copy(this, new GraftFeaturizer(uid), extra);
    }

    public static MLReader<GraftFeaturizer> read() {
        return new ModelStage.Reader<>(GraftFeaturizer.class, GraftFeaturizer::new);
    }

    public static GraftFeaturizer load(String path) {
        return read().load(path);
    }
}
