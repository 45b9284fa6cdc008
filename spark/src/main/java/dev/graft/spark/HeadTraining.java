package dev.graft.spark;

import dev.graft.Model;
import dev.graft.spi.Backend;
import dev.graft.train.Loss;
import dev.graft.train.Trainer;
import java.lang.System.Logger.Level;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/** The two training paths of {@link GraftHeadEstimator}: collect into the driver, or stream batch by batch. */
final class HeadTraining {

    private static final System.Logger LOG = System.getLogger(HeadTraining.class.getName());

    private HeadTraining() {
    }

    /** Trains {@code top} on {@code data}'s features and labels; returns the trained top. */
    static Model train(GraftHeadEstimator e, Dataset<Row> data, Model top) {
        String featuresCol = e.getOrDefault(e.featuresCol);
        String labelCol = e.getOrDefault(e.labelCol);
        Dataset<Row> selected = data.select(featuresCol, labelCol);
        InputColumn features = InputColumn.of(selected.schema(), featuresCol);
        int width = features.width(selected);
        if (width >= 0 && width != top.inputWidth()) {
            throw new IllegalArgumentException("features column '" + featuresCol + "' has " + width + " values per row but the "
                    + "head's first layer '" + top.layer(0).name() + "' takes " + top.inputWidth()
                    + "; featurize with the same model and cutLayer as the estimator's");
        }
        return e.getOrDefault(e.mode).equals("stream") ? stream(e, selected, features, top) : collect(e, selected, features, top);
    }

    private static Model collect(GraftHeadEstimator e, Dataset<Row> selected, InputColumn features, Model top) {
        List<Row> rows = selected.collectAsList();
        int width = top.inputWidth();
        float[] x = new float[Math.multiplyExact(rows.size(), width)];
        int[] labels = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            int row = i;
            features.copy(rows.get(i), x, i * width, width, r -> "collected row " + row);
            labels[i] = label(rows.get(i), top, "collected row " + i);
        }
        dev.graft.data.Dataset train = dev.graft.data.Dataset.wrapClassification(x, width, labels, top.outputWidth());
        try (Backend backend = GraftSeam.openBackend(e.getOrDefault(e.backend))) {
            Trainer trainer = Trainer.builder(backend).loss(Loss.SOFTMAX_CROSS_ENTROPY).optimizer(e.optimizerValue())
                    .epochs((Integer) e.getOrDefault(e.epochs)).batchSize((Integer) e.getOrDefault(e.batchSize))
                    .seed((Long) e.getOrDefault(e.seed)).build();
            return trainer.fit(top, train).model();
        }
    }

    private static Model stream(GraftHeadEstimator e, Dataset<Row> selected, InputColumn features, Model top) {
        int batch = (Integer) e.getOrDefault(e.batchSize);
        int width = top.inputWidth();
        long seed = (Long) e.getOrDefault(e.seed);
        boolean shuffle = (Boolean) e.getOrDefault(e.shuffle);
        float[] x = new float[batch * width];
        float[] y = new float[batch];
        try (GraftSeam.StreamingTrainer trainer = new GraftSeam.StreamingTrainer(top, e.optimizerValue(), seed, batch,
                e.getOrDefault(e.backend))) {
            for (int epoch = 1; epoch <= (Integer) e.getOrDefault(e.epochs); epoch++) {
                Dataset<Row> ordered = shuffle ? selected.orderBy(functions.rand(seed * 31 + epoch)) : selected;
                Iterator<Row> rows = ordered.toLocalIterator();
                double lossSum = 0;
                long seen = 0;
                long correct = 0;
                int filled = 0;
                while (rows.hasNext() || filled > 0) {
                    if (rows.hasNext()) {
                        Row row = rows.next();
                        long index = seen + filled;
                        features.copy(row, x, filled * width, width, r -> "streamed row " + index);
                        y[filled++] = label(row, top, "streamed row " + index);
                        if (filled < batch && rows.hasNext()) {
                            continue;
                        }
                    }
                    double[] stats = trainer.step(x, y, filled);
                    if (!Double.isFinite(stats[0])) {
                        throw new IllegalStateException("loss became " + stats[0] + " at epoch " + epoch + " after " + seen
                                + " rows: lower the learning rate or check the features");
                    }
                    lossSum += stats[0];
                    correct += (long) stats[1];
                    seen += filled;
                    filled = 0;
                }
                int done = epoch;
                long total = seen;
                double loss = lossSum / Math.max(1, seen);
                double accuracy = (double) correct / Math.max(1, seen);
                LOG.log(Level.INFO, () -> String.format("streamed epoch %d: %d rows, loss %.4f, accuracy %.4f",
                        done, total, loss, accuracy));
            }
            return trainer.snapshot();
        }
    }

    private static int label(Row row, Model top, String where) {
        if (row.isNullAt(1)) {
            throw new IllegalArgumentException("the label is null at " + where);
        }
        double value = ((Number) row.get(1)).doubleValue();
        int label = (int) value;
        if (label != value || label < 0 || label >= top.outputWidth()) {
            throw new IllegalArgumentException("label " + value + " at " + where + " is not a class index 0.."
                    + (top.outputWidth() - 1) + " (the head's top layer '" + top.layer(top.size() - 1).name()
                    + "' has " + top.outputWidth() + " outputs); index the labels with StringIndexer first");
        }
        return label;
    }
}
