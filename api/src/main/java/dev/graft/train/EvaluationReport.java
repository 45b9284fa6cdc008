package dev.graft.train;

import java.util.Locale;

/** Formats an {@link Evaluation} as a plain-text report. */
final class EvaluationReport {

    private EvaluationReport() {
    }

    static String format(Evaluation e, String[] names) {
        StringBuilder sb = new StringBuilder();
        if (!e.isClassification()) {
            return sb.append(String.format(Locale.ROOT, "Evaluation: %d samples, mean squared error %.6f", e.samples(), e.loss())).toString();
        }
        int classes = e.classes();
        if (names != null && names.length != classes) {
            throw new IllegalArgumentException(names.length + " class names for " + classes + " classes");
        }
        sb.append(String.format(Locale.ROOT, "Evaluation: %d samples, loss %.4f, accuracy %.2f %%", e.samples(), e.loss(), 100 * e.accuracy()));
        if (e.labelRanks().length > 0 && classes > 2) {
            int k = Math.min(classes - 1, 5);
            sb.append(String.format(Locale.ROOT, ", top-%d accuracy %.2f %%", k, 100 * e.topKAccuracy(k)));
        }
        sb.append(String.format(Locale.ROOT, ", macro F1 %.4f%n", e.macroF1()));
        int nameWidth = 5;
        for (int c = 0; c < classes; c++) {
            nameWidth = Math.max(nameWidth, name(names, c).length());
        }
        double[] p = e.precisionPerClass();
        double[] r = e.recallPerClass();
        double[] f = e.f1PerClass();
        int[] support = e.support();
        sb.append(String.format(Locale.ROOT, "%-" + nameWidth + "s  precision  recall      f1  support%n", "class"));
        for (int c = 0; c < classes; c++) {
            sb.append(String.format(Locale.ROOT, "%-" + nameWidth + "s  %9s  %6s  %6s  %7d%n",
                    name(names, c), number(p[c]), number(r[c]), number(f[c]), support[c]));
        }
        sb.append("confusion (rows: actual, columns: predicted)").append(System.lineSeparator());
        int cell = 5;
        for (int[] row : e.confusion()) {
            for (int v : row) {
                cell = Math.max(cell, Integer.toString(v).length() + 1);
            }
        }
        sb.append(" ".repeat(nameWidth));
        for (int c = 0; c < classes; c++) {
            sb.append(String.format(Locale.ROOT, "%" + cell + "s", c));
        }
        sb.append(System.lineSeparator());
        for (int a = 0; a < classes; a++) {
            sb.append(String.format(Locale.ROOT, "%-" + nameWidth + "s", name(names, a)));
            for (int v : e.confusion()[a]) {
                sb.append(String.format(Locale.ROOT, "%" + cell + "d", v));
            }
            sb.append(System.lineSeparator());
        }
        return sb.toString();
    }

    private static String name(String[] names, int c) {
        return names == null ? Integer.toString(c) : names[c] + " (" + c + ")";
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }
}
