package dev.graft.cli;

import dev.graft.Dense;
import dev.graft.Model;
import java.util.List;
import java.util.Locale;
import dev.graft.data.Dataset;

/** Up-front checks that turn a mismatch into one line saying what to change. */
final class Checks {

    private Checks() {
    }

    /** Bytes per parameter a training run holds at least: weights, gradients, optimizer state. */
    private static final long TRAINING_BYTES_PER_PARAMETER = 3L * Float.BYTES;

    /**
     * Refuses new layers too large to allocate, before allocating them: a layer whose weights exceed one Java
     * array, or new layers whose training state exceeds the JVM's memory limit.
     */
    static void newLayersFit(String option, int inputWidth, List<Dense.Spec> specs) {
        long in = inputWidth;
        long total = 0;
        for (Dense.Spec s : specs) {
            long weights = in * s.outputWidth();
            if (weights > Integer.MAX_VALUE - 8) {
                throw new CliException(option + ": layer '" + s.name() + "' would have " + in + " x " + s.outputWidth() + " = "
                        + weights + " weights, more than one array can hold (2^31)", "use fewer units");
            }
            total += weights + s.outputWidth();
            in = s.outputWidth();
        }
        long needed = total * TRAINING_BYTES_PER_PARAMETER;
        long max = Runtime.getRuntime().maxMemory();
        if (max != Long.MAX_VALUE && needed > max) {
            throw new CliException(String.format(Locale.ROOT, "%s: the new layers have %d parameters, needing at least "
                    + "%.1f GiB to train (weights, gradients, optimizer state); this JVM may use %.1f GiB", option, total,
                    needed / GIB, max / GIB), "use fewer units, or give Java more memory (e.g. JAVA_OPTS=-Xmx16g)");
        }
    }

    private static final double GIB = 1024.0 * 1024 * 1024;

    static void dataFitsModel(Model model, Dataset data, String what) {
        dataFitsInput(model, data, what);
        if (data.isClassification() && data.classes() > model.outputWidth()) {
            throw new CliException(what + " has " + data.classes() + " classes but the output layer '"
                    + model.layer(model.size() - 1).name() + "' has " + model.outputWidth() + " units",
                    "pick " + model.outputWidth() + " classes with --classes, or give the model a wider head");
        }
    }

    /** The data's width fits the model's first layer (featurize: the top layer's width says nothing about classes). */
    static void dataFitsInput(Model model, Dataset data, String what) {
        if (data.width() != model.inputWidth()) {
            throw new CliException(what + " has " + data.width() + " features per sample but the model's first layer '"
                    + model.layer(0).name() + "' takes " + model.inputWidth(),
                    "use data with " + model.inputWidth() + " features, or a model built for " + data.width());
        }
    }
}
