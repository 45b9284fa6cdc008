package dev.graft.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/** The demo's human-readable report: steps, the comparison table, the verdict, where the files went. */
final class DemoReport {

    private DemoReport() {
    }

    static void print(PrintWriter out, DemoScenario.Result r, double totalSeconds, Path plot) {
        int testImages = r.transferredOnTarget().samples();
        out.printf("Graft demo: the seed question on Fashion-MNIST (%s: %d training, %d test images)%n",
                r.data(), r.trainImages(), r.testImages());
        out.printf("backend: %s (%s)%n%n", r.backend(), r.backendDescription());
        out.printf("1. original network 784-300-100-50-5 trained on classes 0-4: %s test accuracy on classes 0-4%n",
                Tables.percent(r.originalOnSource().accuracy()));
        out.printf("2. saved as a TensorFlow checkpoint and read back: %s (weights identical: %s)%n",
                r.originalCheckpoint(), r.reloadIdentical() ? "yes" : "NO");
        out.printf("3. transferred: %s frozen, hidden3 copied and trainable, new 5-unit output for classes 5-9%n",
                String.join(" and ", DemoScenario.frozen(r.transferred())));
        out.printf("4. fine-tuned on %d labelled images (%d epochs), bottleneck (hidden2's output) cached in memory%n%n",
                r.labelled(), r.cached().epochs().size());

        Tables t = new Tables("", " from scratch", " transferred");
        t.row("test accuracy, classes 5-9 (" + testImages + " images)",
                Tables.percent(r.scratchOnTarget().accuracy()), Tables.percent(r.transferredOnTarget().accuracy()));
        t.row("test loss", Tables.decimal(r.scratchOnTarget().loss()), Tables.decimal(r.transferredOnTarget().loss()));
        t.row("trainable parameters", r.scratchTrainable(), r.transferred().trainableParameterCount());
        String fine = "fine-tuning epoch (" + r.labelled() + " images), ";
        t.row(fine + "no cache", DemoCommand.ms(DemoScenario.medianEpochSeconds(r.scratch())),
                DemoCommand.ms(DemoScenario.medianEpochSeconds(r.uncached())));
        t.row(fine + "cached", "-", DemoCommand.ms(DemoScenario.medianEpochSeconds(r.cached())));
        DemoScenario.Timing timing = r.timing();
        String big = "epoch over " + timing.samples() + " images (batch " + timing.batch() + "), ";
        t.row(big + "no cache", "-", DemoCommand.ms(timing.uncachedEpochSeconds()));
        t.row(big + "cached", "-", DemoCommand.ms(timing.cachedEpochSeconds()) + String.format(Locale.ROOT, " (%.1fx faster)",
                timing.uncachedEpochSeconds() / Math.max(timing.cachedEpochSeconds(), 1e-9)));
        t.row("filling the cache for " + timing.samples() + " images (once)", "-", DemoCommand.ms(timing.fillSeconds()));
        out.print(t);
        out.printf(Locale.ROOT, "(fine-tuning: median epoch time; cached and uncached fine-tuning end with weights %s apart at most)%n%n",
                String.format(Locale.ROOT, "%.1e", r.cachedVsUncachedMaxDiff()));

        double gap = r.transferredOnTarget().accuracy() - r.scratchOnTarget().accuracy();
        if (gap >= 0) {
            out.printf(Locale.ROOT, "Transfer wins by %.1f points here.%n", gap * 100);
        } else {
            out.printf(Locale.ROOT, "Training from scratch wins by %.1f points here: the features learned on tops and "
                    + "trousers (classes 0-4) seem to miss some of what sandals, bags and boots (5-9) need. Transfer "
                    + "trains %d instead of %d parameters, and each cached epoch runs only the top two layers.%n",
                    -gap * 100, r.transferred().trainableParameterCount(), r.scratchTrainable());
        }
        out.println();
        out.println("files:");
        out.println("  original (TF checkpoint):     " + r.originalCheckpoint() + ".{index,data-00000-of-00001,meta}");
        out.println("  transferred (Graft format):   " + r.transferredModel());
        out.println("  transferred (TF checkpoint):  " + r.transferredCheckpoint() + ".{index,data-00000-of-00001,meta}");
        if (plot != null) {
            out.println("  learning curves:              " + plot);
        }
        out.printf(Locale.ROOT, "done in %.1f s%n", totalSeconds);
    }
}
