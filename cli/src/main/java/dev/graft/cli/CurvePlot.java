package dev.graft.cli;

import dev.graft.loader.AtomicFiles;
import dev.graft.train.EpochStats;
import dev.graft.train.History;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * Learning curves as a PNG: loss and accuracy per epoch, training and validation, side by side
 * (XChart, rendered off-screen). The file is written atomically.
 */
final class CurvePlot {

    private static final int WIDTH = 560;
    private static final int HEIGHT = 400;

    private CurvePlot() {
    }

    static void write(History history, String title, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<EpochStats> epochs = history.epochs();
        double[] x = epochs.stream().mapToDouble(EpochStats::epoch).toArray();
        XYChart loss = chart(title + ": loss", "loss", Styler.LegendPosition.InsideNE);
        add(loss, "training", x, epochs, EpochStats::trainLoss);
        add(loss, "validation", x, epochs, EpochStats::validationLoss);
        XYChart accuracy = chart(title + ": accuracy", "accuracy", Styler.LegendPosition.InsideSE);
        add(accuracy, "training", x, epochs, EpochStats::trainAccuracy);
        add(accuracy, "validation", x, epochs, EpochStats::validationAccuracy);
        List<XYChart> charts = new ArrayList<>(List.of(loss));
        if (!accuracy.getSeriesMap().isEmpty()) {
            charts.add(accuracy);
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        BitmapEncoder.saveBitmap(charts, 1, charts.size(), png, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.write(file, png.toByteArray());
    }

    private static XYChart chart(String title, String yTitle, Styler.LegendPosition legend) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("epoch").yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(legend);
        chart.getStyler().setXAxisDecimalPattern("0");
        return chart;
    }

    /** Adds a series unless every value is NaN (no validation set, or a regression accuracy). */
    private static void add(XYChart chart, String name, double[] x, List<EpochStats> epochs,
                            ToDoubleFunction<EpochStats> metric) {
        double[] y = epochs.stream().mapToDouble(metric).toArray();
        for (double v : y) {
            if (!Double.isNaN(v)) {
                chart.addSeries(name, x, y);
                return;
            }
        }
    }
}
