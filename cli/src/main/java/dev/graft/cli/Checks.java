package dev.graft.cli;

import dev.graft.Model;
import dev.graft.data.Dataset;

/** Up-front checks that turn a mismatch into one line saying what to change. */
final class Checks {

    private Checks() {
    }

    static void dataFitsModel(Model model, Dataset data, String what) {
        if (data.width() != model.inputWidth()) {
            throw new CliException(what + " has " + data.width() + " features per sample but the model's first layer '"
                    + model.layer(0).name() + "' takes " + model.inputWidth(),
                    "use data with " + model.inputWidth() + " features, or a model built for " + data.width());
        }
        if (data.isClassification() && data.classes() > model.outputWidth()) {
            throw new CliException(what + " has " + data.classes() + " classes but the output layer '"
                    + model.layer(model.size() - 1).name() + "' has " + model.outputWidth() + " units",
                    "pick " + model.outputWidth() + " classes with --classes, or give the model a wider head");
        }
    }
}
