package dev.graft.exec;

/** Small host-side helpers shared by network implementations. */
public final class Metrics {

    private Metrics() {
    }

    /** Index of the largest of {@code row}'s {@code width} values starting at {@code offset} (first wins ties). */
    public static int argMax(float[] values, int offset, int width) {
        int best = 0;
        for (int j = 1; j < width; j++) {
            if (values[offset + j] > values[offset + best]) {
                best = j;
            }
        }
        return best;
    }

    /** How many rows' arg-max equals their label. */
    public static int countCorrect(float[] outputs, float[] labels, int rows, int classes) {
        int correct = 0;
        for (int r = 0; r < rows; r++) {
            if (argMax(outputs, r * classes, classes) == (int) labels[r]) {
                correct++;
            }
        }
        return correct;
    }
}
