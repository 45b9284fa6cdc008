package dev.graft.predict;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Layer;
import dev.graft.Model;
import java.util.Arrays;

/**
 * A model's outputs for a batch of samples, with the views a caller usually wants: the raw output
 * rows, the predicted class (arg-max), class probabilities and the top-k classes.
 *
 * <p><b>Probabilities.</b> Graft trains classifiers whose output layer has no activation (its
 * outputs are <em>logits</em>; the softmax is folded into the cross-entropy, as in Keras with
 * {@code from_logits=True} or PyTorch's {@code CrossEntropyLoss}). For such a model
 * {@link #probabilities()} applies the softmax; for a model whose output layer already applies
 * softmax it returns the outputs as they are; for any other output activation (ReLU, sigmoid,
 * tanh…: a regression or multi-label model) there is no class distribution and it throws.
 */
public final class Predictions {

    /** What a model's output row holds, decided by its output layer's activation. */
    public enum OutputKind {
        /** No output activation: unnormalised class scores; probabilities are their softmax. */
        LOGITS,
        /** A softmax output layer: the outputs are class probabilities. */
        PROBABILITIES,
        /** Any other activation: raw values (regression, multi-label); no class distribution. */
        VALUES
    }

    private final float[] outputs;
    private final int rows;
    private final int width;
    private final OutputKind kind;

    Predictions(float[] outputs, int rows, int width, OutputKind kind) {
        this.outputs = outputs;
        this.rows = rows;
        this.width = width;
        this.kind = kind;
    }

    /** What {@code model}'s outputs are, from its top layer's activation. */
    public static OutputKind kindOf(Model model) {
        Layer top = model.layer(model.size() - 1);
        if (top instanceof Dense d) {
            Activation.Kind k = d.activation().kind();
            return k == Activation.Kind.IDENTITY ? OutputKind.LOGITS
                    : k == Activation.Kind.SOFTMAX ? OutputKind.PROBABILITIES : OutputKind.VALUES;
        }
        return OutputKind.VALUES;
    }

    /** Number of samples. */
    public int size() { return rows; }

    /** Values per sample (the model's output width: classes, for a classifier). */
    public int width() { return width; }

    public OutputKind kind() { return kind; }

    /** Sample {@code row}'s raw outputs (a copy). */
    public float[] output(int row) {
        check(row);
        return Arrays.copyOfRange(outputs, row * width, (row + 1) * width);
    }

    /** Every raw output row (copies). */
    public float[][] outputs() {
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = output(r);
        }
        return out;
    }

    /** The predicted class of each sample: the index of its largest output (the first on ties). */
    public int[] classes() {
        int[] best = new int[rows];
        for (int r = 0; r < rows; r++) {
            best[r] = argMax(r);
        }
        return best;
    }

    /** Sample {@code row}'s class probabilities (see the class comment for when they exist). */
    public float[] probabilities(int row) {
        check(row);
        float[] p = Arrays.copyOfRange(outputs, row * width, (row + 1) * width);
        switch (kind) {
            case PROBABILITIES -> { }
            case LOGITS -> softmax(p);
            default -> throw new IllegalStateException("the model's output layer has neither softmax nor no activation: "
                    + "its outputs are values, not class scores; use outputs()");
        }
        return p;
    }

    /** Class probabilities of every sample. */
    public float[][] probabilities() {
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = probabilities(r);
        }
        return out;
    }

    /**
     * Sample {@code row}'s {@code k} highest-scoring classes, best first (ties: lower label first);
     * scores are probabilities when the model gives them (see the class comment), else raw outputs.
     */
    public ClassScore[] top(int row, int k) {
        check(row);
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        float[] score = kind == OutputKind.VALUES ? output(row) : probabilities(row);
        Integer[] order = new Integer[width];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> score[a] != score[b] ? Float.compare(score[b], score[a]) : Integer.compare(a, b));
        ClassScore[] top = new ClassScore[Math.min(k, width)];
        for (int i = 0; i < top.length; i++) {
            top[i] = new ClassScore(order[i], score[order[i]]);
        }
        return top;
    }

    /** The {@code k} best classes of every sample (see {@link #top(int, int)}). */
    public ClassScore[][] topK(int k) {
        ClassScore[][] out = new ClassScore[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = top(r, k);
        }
        return out;
    }

    private int argMax(int row) {
        int base = row * width;
        int best = 0;
        for (int j = 1; j < width; j++) {
            if (outputs[base + j] > outputs[base + best]) {
                best = j;
            }
        }
        return best;
    }

    private static void softmax(float[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : v) {
            max = Math.max(max, x);
        }
        double sum = 0;
        double[] e = new double[v.length];
        for (int j = 0; j < v.length; j++) {
            e[j] = Math.exp(v[j] - max);
            sum += e[j];
        }
        for (int j = 0; j < v.length; j++) {
            v[j] = (float) (e[j] / sum);
        }
    }

    private void check(int row) {
        if (row < 0 || row >= rows) {
            throw new IndexOutOfBoundsException("sample " + row + " of " + rows);
        }
    }

    @Override
    public String toString() {
        return "Predictions(" + rows + " x " + width + ", " + kind.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
