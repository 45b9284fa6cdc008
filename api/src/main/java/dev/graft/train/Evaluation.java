package dev.graft.train;

import dev.graft.Model;
import dev.graft.data.Dataset;
import dev.graft.exec.ExecutionPlan;
import dev.graft.exec.Metrics;

/**
 * Loss, accuracy and (for classification) the confusion matrix of a model's outputs on a dataset.
 * {@code confusion[actual][predicted]} counts samples; accuracy is NaN for regression.
 */
public record Evaluation(int samples, double loss, double accuracy, int[][] confusion) {

    /** Scores {@code outputs} ({@code data.size() × model.outputWidth()}) against the dataset's labels or targets. */
    public static Evaluation of(Model model, Loss loss, Dataset data, float[] outputs) {
        int n = data.size();
        int width = model.outputWidth();
        if (loss.usesClassLabels()) {
            boolean probabilities = ExecutionPlan.outputsProbabilities(model);
            int[][] confusion = new int[width][width];
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
                total += probabilities ? -Math.log(Math.max(outputs[base + label], 1e-30))
                        : logSumExp(outputs, base, width) - outputs[base + label];
            }
            return new Evaluation(n, total / n, (double) correct / n, confusion);
        }
        float[] targets = new float[n * width];
        int[] order = new int[n];
        java.util.Arrays.setAll(order, i -> i);
        data.gatherTargets(order, 0, n, targets);
        double total = 0;
        for (int i = 0; i < targets.length; i++) {
            double d = outputs[i] - targets[i];
            total += d * d;
        }
        return new Evaluation(n, total / n / width, Double.NaN, new int[0][0]);
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

    /** Per-class recall (correct / actual) for classification. */
    public double[] recallPerClass() {
        double[] recall = new double[confusion.length];
        for (int c = 0; c < confusion.length; c++) {
            int total = 0;
            for (int p : confusion[c]) {
                total += p;
            }
            recall[c] = total == 0 ? Double.NaN : (double) confusion[c][c] / total;
        }
        return recall;
    }
}
