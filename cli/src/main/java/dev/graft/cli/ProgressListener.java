package dev.graft.cli;

import dev.graft.train.EpochStats;
import dev.graft.train.TrainingListener;
import java.io.PrintWriter;
import java.time.temporal.ChronoUnit;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows a training run's progress on standard error: one bar over all epochs with samples/s and the
 * epoch's running loss (on a terminal), or a line per epoch (in logs and pipes), or nothing.
 */
final class ProgressListener implements TrainingListener, AutoCloseable {

    private static final int BAR_WIDTH = 110;

    private final PrintWriter err;
    private final String task;
    private final TrainingOptions.Progress mode;
    private final int epochs;
    private final long samplesPerEpoch;
    private ProgressBar bar;
    private double lossSum;
    private long seen;

    /** {@code mode} AUTO picks BAR when a console is attached, else LINES. */
    ProgressListener(PrintWriter err, String task, TrainingOptions.Progress mode, int epochs, long samplesPerEpoch) {
        this.err = err;
        this.task = task;
        this.mode = mode == TrainingOptions.Progress.AUTO
                ? (System.console() != null ? TrainingOptions.Progress.BAR : TrainingOptions.Progress.LINES) : mode;
        this.epochs = epochs;
        this.samplesPerEpoch = samplesPerEpoch;
    }

    @Override
    public void onEpochStart(int epoch, int batches) {
        lossSum = 0;
        seen = 0;
        if (mode == TrainingOptions.Progress.BAR && bar == null) {
            bar = new ProgressBarBuilder()
                    .setTaskName(task)
                    .setInitialMax(epochs * samplesPerEpoch)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUnit(" samples", 1)
                    .showSpeed()
                    .setSpeedUnit(ChronoUnit.SECONDS)
                    .setUpdateIntervalMillis(200)
                    .setConsumer(new DelegatingProgressBarConsumer(line -> {
                        err.print('\r');
                        err.print(line);
                        err.flush();
                    }, BAR_WIDTH))
                    .build();
        }
    }

    @Override
    public void onBatch(int epoch, int batch, int batches, int samples, double meanLoss) {
        lossSum += meanLoss * samples;
        seen += samples;
        if (bar != null) {
            bar.stepBy(samples);
            bar.setExtraMessage(String.format(" epoch %d/%d loss %.4f", epoch, epochs, lossSum / seen));
        }
    }

    @Override
    public void onEpochEnd(EpochStats stats) {
        if (mode == TrainingOptions.Progress.LINES && shouldPrint(stats.epoch())) {
            err.println(String.format("%s epoch %d/%d: loss %.4f, accuracy %s%s, %.0f samples/s",
                    task, stats.epoch(), epochs, stats.trainLoss(), Tables.percent(stats.trainAccuracy()),
                    stats.hasValidation() ? String.format(", validation loss %.4f, accuracy %s",
                            stats.validationLoss(), Tables.percent(stats.validationAccuracy())) : "",
                    stats.samples() / Math.max(stats.seconds(), 1e-9)));
            err.flush();
        } else if (bar != null) {
            bar.stepTo(stats.epoch() * samplesPerEpoch);
        }
    }

    /** At most about ten lines per run: the first epoch, every step-th, and the last. */
    private boolean shouldPrint(int epoch) {
        int step = (int) Math.max(1, (epochs + 9L) / 10); // long: --epochs may be near 2^31
        return epoch == 1 || epoch % step == 0 || epoch == epochs;
    }

    @Override
    public void onFeatures(FeaturesEvent event) {
        if (mode != TrainingOptions.Progress.NONE) {
            err.println(String.format("%s: bottleneck features for %d samples %s (%s) in %.2f s",
                    task, event.samples(), event.hit() ? "read from the cache" : "computed",
                    event.where(), event.seconds()));
            err.flush();
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            err.println();
            err.flush();
            bar = null;
        }
    }
}
