package dev.graft.train;

import dev.graft.Model;
import dev.graft.data.Dataset;
import dev.graft.exec.ExecutionPlan;
import dev.graft.exec.Metrics;
import java.util.Arrays;

/**
 * Loss, accuracy and (for classification) the confusion matrix of a model's outputs on a dataset,
 * with per-class precision, recall and F1 and top-k accuracy derived from them.
 * {@code confusion[actual][predicted]} counts samples; {@code labelRanks[r]} counts the samples
 * whose true class had rank {@code r} among the outputs (0 = the arg-max; ties rank the true class
 * after the classes that share its score and come first). Accuracy is NaN for regression.
 * {@link #toString()} is a readable report.
 */
public record Evaluation(int samples, double loss, double accuracy, int[][] confusion, int[] labelRanks) {

    /** An evaluation without label ranks (top-k accuracy is then known for k = 1 only). */
    public Evaluation(int samples, double loss, double accuracy, int[][] confusion) {
        this(samples, loss, accuracy, confusion, new int[0]);
    }

    /** Scores {@code outputs} ({@code data.size() × model.outputWidth()}) against the dataset's labels or targets. */
    public static Evaluation of(Model model, Loss loss, Dataset data, float[] outputs) {
        int n = data.size();
        int width = model.outputWidth();
        if (loss.usesClassLabels()) {
            boolean probabilities = ExecutionPlan.outputsProbabilities(model);
            int[][] confusion = new int[width][width];
            int[] ranks = new int[width];
            double total = 0;
            int correct = 0;
            for (int s = 0; s < n; s++) {
                int base = s * width;
                int label = data.label(s);
                int predicted = Metrics.argMax(outputs, base, width);
                confusion[label][predicted]++;
                if (predicted == label) {
                    correct++;
                }
                ranks[rank(outputs, base, width, label)]++;
                total += probabilities ? -Math.log(Math.max(outputs[base + label], 1e-30))
                        : logSumExp(outputs, base, width) - outputs[base + label];
            }
            return new Evaluation(n, total / n, (double) correct / n, confusion, ranks);
        }
        float[] targets = new float[n * width];
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        data.gatherTargets(order, 0, n, targets);
        double total = 0;
        for (int i = 0; i < targets.length; i++) {
            double d = outputs[i] - targets[i];
            total += d * d;
        }
        return new Evaluation(n, total / n / width, Double.NaN, new int[0][0], new int[0]);
    }

    /** How many classes beat {@code label}: a higher output, or an equal one at a lower index (arg-max's tie rule). */
    private static int rank(float[] v, int base, int width, int label) {
        float own = v[base + label];
        int rank = 0;
        for (int j = 0; j < width; j++) {
            if (v[base + j] > own || (v[base + j] == own && j < label)) {
                rank++;
            }
        }
        return rank;
    }

    private static double logSumExp(float[] v, int base, int width) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < width; j++) {
            max = Math.max(max, v[base + j]);
        }
        double sum = 0;
        for (int j = 0; j < width; j++) {
            sum += Math.exp(v[base + j] - max);
        }
        return max + Math.log(sum);
    }

    /** Whether this is a classification evaluation (it has a confusion matrix). */
    public boolean isClassification() {
        return confusion.length > 0;
    }

    /** Number of classes (0 for regression). */
    public int classes() {
        return confusion.length;
    }

    /** Samples per actual class. */
    public int[] support() {
        int[] support = new int[confusion.length];
        for (int c = 0; c < confusion.length; c++) {
            for (int p : confusion[c]) {
                support[c] += p;
            }
        }
        return support;
    }

    /** Per-class recall (correct / actual); NaN for a class with no samples. */
    public double[] recallPerClass() {
        int[] support = support();
        double[] recall = new double[confusion.length];
        for (int c = 0; c < confusion.length; c++) {
            recall[c] = support[c] == 0 ? Double.NaN : (double) confusion[c][c] / support[c];
        }
        return recall;
    }

    /** Per-class precision (correct / predicted as that class); NaN for a class never predicted. */
    public double[] precisionPerClass() {
        double[] precision = new double[confusion.length];
        for (int c = 0; c < confusion.length; c++) {
            int predicted = 0;
            for (int[] row : confusion) {
                predicted += row[c];
            }
            precision[c] = predicted == 0 ? Double.NaN : (double) confusion[c][c] / predicted;
        }
        return precision;
    }

    /** Per-class F1, the harmonic mean of precision and recall; 0 when both are 0, NaN when either is undefined. */
    public double[] f1PerClass() {
        double[] p = precisionPerClass();
        double[] r = recallPerClass();
        double[] f1 = new double[confusion.length];
        for (int c = 0; c < f1.length; c++) {
            f1[c] = Double.isNaN(p[c]) || Double.isNaN(r[c]) ? Double.NaN : p[c] + r[c] == 0 ? 0 : 2 * p[c] * r[c] / (p[c] + r[c]);
        }
        return f1;
    }

    /** The unweighted mean of the per-class F1 scores over classes that have samples (NaN scores count as 0). */
    public double macroF1() {
        double[] f1 = f1PerClass();
        int[] support = support();
        double sum = 0;
        int counted = 0;
        for (int c = 0; c < f1.length; c++) {
            if (support[c] > 0) {
                sum += Double.isNaN(f1[c]) ? 0 : f1[c];
                counted++;
            }
        }
        return counted == 0 ? Double.NaN : sum / counted;
    }

    /** The share of samples whose true class is among the {@code k} highest outputs ({@code k = 1} is the accuracy). */
    public double topKAccuracy(int k) {
        if (!isClassification()) {
            return Double.NaN;
        }
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        if (labelRanks.length == 0) {
            if (k == 1) {
                return accuracy;
            }
            throw new IllegalStateException("this evaluation was made without label ranks; top-" + k + " accuracy is unknown");
        }
        long hits = 0;
        for (int r = 0; r < Math.min(k, labelRanks.length); r++) {
            hits += labelRanks[r];
        }
        return (double) hits / samples;
    }

    /** A readable report: totals, per-class precision, recall, F1 and support, and the confusion matrix. */
    @Override
    public String toString() {
        return EvaluationReport.format(this, null);
    }

    /** As {@link #toString()}, naming the classes (e.g. {@code "sandal", "shirt", ...}). */
    public String report(String... classNames) {
        return EvaluationReport.format(this, classNames);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Evaluation e && samples == e.samples && Double.compare(loss, e.loss) == 0
                && Double.compare(accuracy, e.accuracy) == 0 && Arrays.deepEquals(confusion, e.confusion)
                && Arrays.equals(labelRanks, e.labelRanks);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Integer.hashCode(samples) + Double.hashCode(accuracy)) + Arrays.deepHashCode(confusion);
    }
}
