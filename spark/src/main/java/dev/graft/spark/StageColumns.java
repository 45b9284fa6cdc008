package dev.graft.spark;

import dev.graft.Model;
import java.util.Arrays;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Schema checks and the driver side of running a model over a column: shared by the featurizer and the head model. */
final class StageColumns {

    private StageColumns() {
    }

    /** {@code schema} plus a vector column {@code name}, with its width in ML attribute metadata when known. */
    static StructType appendVector(StructType schema, String name, int width) {
        requireAbsent(schema, name);
        StructField field = width > 0
                ? new AttributeGroup(name, width).toStructField()
                : new StructField(name, org.apache.spark.ml.linalg.SQLDataTypes.VectorType(), false,
                        org.apache.spark.sql.types.Metadata.empty());
        return schema.add(new StructField(name, field.dataType(), false, field.metadata()));
    }

    /** {@code schema} plus a non-null double column {@code name}. */
    static StructType appendDouble(StructType schema, String name) {
        requireAbsent(schema, name);
        return schema.add(name, DataTypes.DoubleType, false);
    }

    private static void requireAbsent(StructType schema, String name) {
        if (Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException("output column '" + name + "' already exists in the data; "
                    + "choose another name or drop it first");
        }
    }

    /**
     * Checks {@code inputCol}'s width against {@code model} (before any task runs the model), broadcasts
     * the model and returns {@code data} with the outputs appended (lazily, as Spark does).
     */
    static Dataset<Row> run(Dataset<Row> data, Model model, String inputCol, String rowIdCol, int batchSize,
                            String backend, StructType outSchema, boolean appendPrediction) {
        InputColumn input = InputColumn.of(data.schema(), inputCol);
        int width = input.width(data);
        if (width >= 0 && width != model.inputWidth()) {
            throw new IllegalArgumentException("input column '" + inputCol + "' has " + width + " values per row but the "
                    + "model's input layer '" + model.layer(0).name() + "' takes " + model.inputWidth()
                    + "; point inputCol at the column the model was trained on, or use a model for this data");
        }
        int rowId = -1;
        if (rowIdCol != null && !rowIdCol.isBlank()) {
            if (!Arrays.asList(data.schema().fieldNames()).contains(rowIdCol)) {
                throw new IllegalArgumentException("rowIdCol '" + rowIdCol + "' is not in the data; its columns are "
                        + String.join(", ", data.schema().fieldNames()));
            }
            rowId = data.schema().fieldIndex(rowIdCol);
        }
        Broadcast<ModelBytes> broadcast = JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext())
                .broadcast(ModelBytes.of(model));
        return data.mapPartitions(new PartitionRunner(broadcast, input, rowId, rowIdCol, batchSize, backend,
                appendPrediction), Encoders.row(outSchema));
    }
}
