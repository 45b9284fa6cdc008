package dev.graft.spark;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A model's input column: a Spark ML {@code Vector}, {@code array<float>} or {@code array<double>}.
 * Checks the type against the schema on the driver and, in tasks, turns each row into floats,
 * refusing rows of the wrong width and non-finite values with the row's place.
 * (Binary image columns wait for Graft's image support.)
 */
final class InputColumn implements Serializable {

    private static final long serialVersionUID = 1L;

    enum Kind { VECTOR, FLOAT_ARRAY, DOUBLE_ARRAY }

    private final String name;
    private final int index;
    private final Kind kind;

    private InputColumn(String name, int index, Kind kind) {
        this.name = name;
        this.index = index;
        this.kind = kind;
    }

    /** The column {@code name} of {@code schema}, or an error naming the columns and types there are. */
    static InputColumn of(StructType schema, String name) {
        List<String> names = Arrays.asList(schema.fieldNames());
        if (!names.contains(name)) {
            throw new IllegalArgumentException("input column '" + name + "' is not in the data; its columns are "
                    + String.join(", ", names) + ". Set inputCol to one of them.");
        }
        StructField field = schema.apply(name);
        return new InputColumn(name, schema.fieldIndex(name), kindOf(field));
    }

    private static Kind kindOf(StructField field) {
        DataType type = field.dataType();
        if (type.equals(SQLDataTypes.VectorType())) {
            return Kind.VECTOR;
        }
        if (type instanceof ArrayType array) {
            if (array.elementType().equals(DataTypes.FloatType)) {
                return Kind.FLOAT_ARRAY;
            }
            if (array.elementType().equals(DataTypes.DoubleType)) {
                return Kind.DOUBLE_ARRAY;
            }
        }
        throw new IllegalArgumentException("input column '" + field.name() + "' is " + type.simpleString()
                + "; Graft takes a Spark ML vector, array<float> or array<double> (assemble numeric columns with "
                + "VectorAssembler; binary image columns are not supported yet)");
    }

    String name() {
        return name;
    }

    /**
     * The column's width: a vector column's ML attribute size when its metadata has one, else the
     * width of its first row (a one-row job; no model runs). -1 when the data is empty.
     */
    int width(Dataset<Row> data) {
        if (kind == Kind.VECTOR) {
            int size = AttributeGroup.fromStructField(data.schema().apply(name)).size();
            if (size >= 0) {
                return size;
            }
        }
        Row[] first = (Row[]) data.select(name).where(data.col(name).isNotNull()).head(1);
        if (first.length == 0) {
            return -1;
        }
        return switch (kind) {
            case VECTOR -> ((Vector) first[0].get(0)).size();
            case FLOAT_ARRAY, DOUBLE_ARRAY -> first[0].getList(0).size();
        };
    }

    /** Copies the row's {@code width} values into {@code dst[offset..]} as floats. */
    void copy(Row row, float[] dst, int offset, int width, Function<Row, String> where) {
        if (row.isNullAt(index)) {
            throw new IllegalArgumentException("input column '" + name + "' is null at " + where.apply(row)
                    + "; drop or fill null rows first");
        }
        int found;
        switch (kind) {
            case VECTOR -> {
                Vector v = (Vector) row.get(index);
                found = v.size();
                if (found == width) {
                    for (int j = 0; j < width; j++) {
                        dst[offset + j] = checked((float) v.apply(j), j, row, where);
                    }
                }
            }
            default -> {
                List<Object> values = row.getList(index);
                found = values.size();
                if (found == width) {
                    for (int j = 0; j < width; j++) {
                        Object value = values.get(j);
                        if (value == null) {
                            throw new IllegalArgumentException("input column '" + name + "' has a null at value " + j
                                    + " of " + where.apply(row));
                        }
                        dst[offset + j] = checked(((Number) value).floatValue(), j, row, where);
                    }
                }
            }
        }
        if (found != width) {
            throw new IllegalArgumentException("input column '" + name + "' has " + found + " values at "
                    + where.apply(row) + " but the model takes " + width);
        }
    }

    private float checked(float value, int position, Row row, Function<Row, String> where) {
        if (!Float.isFinite(value)) {
            throw new IllegalArgumentException("input column '" + name + "' holds " + value + " at value " + position
                    + " of " + where.apply(row) + "; Graft refuses non-finite inputs: clean or impute them first");
        }
        return value;
    }
}
