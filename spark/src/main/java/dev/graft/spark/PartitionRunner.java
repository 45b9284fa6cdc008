package dev.graft.spark;

import dev.graft.Model;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.TaskCompletionListener;

/**
 * Runs a broadcast model over one column of each partition, in batches, and appends its outputs to
 * every row: a {@code Vector} of the outputs, and for a classifier head also the argmax as a double.
 * Every forward pass takes exactly {@code batchSize} rows, so a row's features do not depend on
 * the partitioning. The backend and network are opened on the partition's first batch (an empty partition opens
 * nothing) and closed when the rows run out or, at the latest, when the task completes, whether it
 * succeeded or failed.
 */
final class PartitionRunner implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;

    private final Broadcast<ModelBytes> model;
    private final InputColumn input;
    private final int rowIdIndex;
    private final String rowIdName;
    private final int batchSize;
    private final String backend;
    private final boolean appendPrediction;

    /**
     * @param rowIdIndex position of a row-id column reported with bad rows, or -1
     * @param appendPrediction also append the index of the largest output (a classifier's prediction)
     */
    PartitionRunner(Broadcast<ModelBytes> model, InputColumn input, int rowIdIndex, String rowIdName,
                    int batchSize, String backend, boolean appendPrediction) {
        this.model = model;
        this.input = input;
        this.rowIdIndex = rowIdIndex;
        this.rowIdName = rowIdName;
        this.batchSize = batchSize;
        this.backend = backend;
        this.appendPrediction = appendPrediction;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return new Batches(rows, TaskContext.get());
    }

    private final class Batches implements Iterator<Row> {
        private final Iterator<Row> in;
        private final TaskContext task;
        private final ArrayDeque<Row> ready = new ArrayDeque<>();
        private GraftSeam.Runner runner;
        private Row[] pending;
        private float[] x;
        private float[] y;
        private long rowIndex;

        Batches(Iterator<Row> in, TaskContext task) {
            this.in = in;
            this.task = task;
        }

        @Override
        public boolean hasNext() {
            if (!ready.isEmpty()) {
                return true;
            }
            if (!in.hasNext()) {
                if (runner != null) {
                    runner.close();
                }
                return false;
            }
            runBatch();
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.poll();
        }

        private void open() {
            Model m = model.value().model();
            runner = new GraftSeam.Runner(m, backend, batchSize);
            GraftSeam.Runner owned = runner;
            if (task != null) {
                task.addTaskCompletionListener((TaskCompletionListener) ctx -> owned.close());
            }
            pending = new Row[batchSize];
            x = new float[batchSize * m.inputWidth()];
            y = new float[batchSize * m.outputWidth()];
        }

        private void runBatch() {
            if (runner == null) {
                open();
            }
            int width = runner.model().inputWidth();
            int rows = 0;
            while (rows < batchSize && in.hasNext()) {
                Row row = in.next();
                input.copy(row, x, rows * width, width, this::where);
                pending[rows++] = row;
                rowIndex++;
            }
            // Every pass takes exactly batchSize rows (the rest of a short batch is the previous batch's or zeros,
            // and its outputs are dropped): some BLAS kernels sum differently for another row count, and a row's
            // features must not depend on how the data happens to be partitioned.
            runner.predict(x, batchSize, y);
            int out = runner.model().outputWidth();
            for (int r = 0; r < rows; r++) {
                ready.add(append(pending[r], y, r * out, out));
                pending[r] = null;
            }
        }

        /** Where the row being read sits, for error messages. */
        private String where(Row row) {
            String place = "row " + rowIndex + " of partition " + (task == null ? "?" : task.partitionId());
            if (rowIdIndex >= 0) {
                place += " (" + rowIdName + " = " + row.get(rowIdIndex) + ")";
            }
            return place;
        }

        private Row append(Row row, float[] values, int offset, int width) {
            int n = row.length();
            Object[] cells = new Object[n + (appendPrediction ? 2 : 1)];
            for (int i = 0; i < n; i++) {
                cells[i] = row.get(i);
            }
            double[] v = new double[width];
            int best = 0;
            for (int j = 0; j < width; j++) {
                v[j] = values[offset + j];
                if (values[offset + j] > values[offset + best]) {
                    best = j;
                }
            }
            cells[n] = Vectors.dense(v);
            if (appendPrediction) {
                cells[n + 1] = (double) best;
            }
            return RowFactory.create(cells);
        }
    }
}
