package dev.graft.tf;

/** Class labels travel as floats; TF wants int32 indices in range. */
final class TfLabels {

    private TfLabels() {
    }

    /** Checks that each of the first {@code rows} labels is a whole number in {@code [0, classes)}. */
    static void check(float[] labels, int rows, int classes) {
        for (int r = 0; r < rows; r++) {
            float l = labels[r];
            if (!(l >= 0 && l < classes) || l != (int) l) {
                throw new IllegalArgumentException("label of row " + r + " is " + l + "; expected a class index in [0, "
                        + classes + ")");
            }
        }
    }

    /** The first {@code rows} labels as ints, checked. */
    static int[] toInts(float[] labels, int rows, int classes) {
        check(labels, rows, classes);
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            out[r] = (int) labels[r];
        }
        return out;
    }
}
