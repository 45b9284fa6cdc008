package dev.graft.cli;

import dev.graft.train.EpochStats;
import dev.graft.train.Evaluation;
import dev.graft.train.History;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Plain-text tables and number formats for the CLI's human-readable output. */
final class Tables {

    private final List<String[]> rows = new ArrayList<>();
    private final boolean[] rightAligned;

    /** A table with these column headings; columns whose heading starts with a space are right-aligned. */
    Tables(String... headings) {
        rightAligned = new boolean[headings.length];
        String[] head = new String[headings.length];
        for (int i = 0; i < headings.length; i++) {
            rightAligned[i] = headings[i].startsWith(" ");
            head[i] = headings[i].strip();
        }
        rows.add(head);
    }

    Tables row(Object... cells) {
        String[] r = new String[rightAligned.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = i < cells.length && cells[i] != null ? cells[i].toString() : "";
        }
        rows.add(r);
        return this;
    }

    @Override
    public String toString() {
        int[] width = new int[rightAligned.length];
        for (String[] r : rows) {
            for (int c = 0; c < r.length; c++) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows.size(); i++) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < width.length; c++) {
                String cell = rows.get(i)[c];
                String pad = " ".repeat(width[c] - cell.length());
                line.append(rightAligned[c] ? pad + cell : cell + pad).append("  ");
            }
            sb.append(line.toString().stripTrailing()).append('\n');
            if (i == 0) {
                int total = 0;
                for (int w : width) {
                    total += w + 2;
                }
                sb.append("-".repeat(Math.max(0, total - 2))).append('\n');
            }
        }
        return sb.toString();
    }

    static String percent(double fraction) {
        return Double.isNaN(fraction) ? "-" : String.format(Locale.ROOT, "%.1f%%", fraction * 100);
    }

    static String decimal(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.4f", value);
    }

    static String seconds(double s) {
        return s < 0.1 ? String.format(Locale.ROOT, "%.1f ms", s * 1000) : String.format(Locale.ROOT, "%.2f s", s);
    }

    /** One row per epoch, the returned epoch marked. */
    static String history(History history) {
        Tables t = new Tables(" epoch", " train loss", " train acc", " val loss", " val acc", " time", " samples/s", "");
        for (EpochStats e : history.epochs()) {
            t.row(e.epoch(), decimal(e.trainLoss()), percent(e.trainAccuracy()), decimal(e.validationLoss()),
                    percent(e.validationAccuracy()), seconds(e.seconds()),
                    String.format(Locale.ROOT, "%.0f", e.samples() / Math.max(e.seconds(), 1e-9)),
                    e.epoch() == history.returnedEpoch() && history.epochs().size() > 1 ? "<- kept" : "");
        }
        return t.toString();
    }

    /** The confusion matrix, rows actual, columns predicted, with per-class recall. */
    static String confusion(Evaluation e, List<String> classNames) {
        int n = e.confusion().length;
        String[] head = new String[n + 3];
        head[0] = "actual \\ predicted";
        for (int c = 0; c < n; c++) {
            head[c + 1] = " " + classNames.get(c);
        }
        head[n + 1] = " total";
        head[n + 2] = " recall";
        Tables t = new Tables(head);
        double[] recall = e.recallPerClass();
        for (int a = 0; a < n; a++) {
            Object[] row = new Object[n + 3];
            row[0] = classNames.get(a);
            int total = 0;
            for (int p = 0; p < n; p++) {
                row[p + 1] = e.confusion()[a][p];
                total += e.confusion()[a][p];
            }
            row[n + 1] = total;
            row[n + 2] = percent(recall[a]);
            t.row(row);
        }
        return t.toString();
    }
}
