package dev.graft.cli;

import dev.graft.Activation;
import dev.graft.Dense;
import java.util.ArrayList;
import java.util.List;

/** Parses the CLI's layer notation: {@code WIDTH[:ACTIVATION]}, e.g. {@code 300:relu} or {@code 5:softmax}. */
final class LayerSpecs {

    private LayerSpecs() {
    }

    /** One dense layer; {@code fallback} is the activation when none is written. */
    static Dense.Spec dense(String option, String name, String text, Activation fallback) {
        String t = text.strip();
        int colon = t.indexOf(':') >= 0 ? t.indexOf(':') : t.indexOf(',');
        String width = colon < 0 ? t : t.substring(0, colon).strip();
        Activation activation = fallback;
        if (colon >= 0) {
            try {
                activation = Activation.parse(t.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                throw new CliException(option + " '" + text + "': " + e.getMessage(), null);
            }
        }
        int units;
        try {
            units = Integer.parseInt(width);
        } catch (NumberFormatException e) {
            throw new CliException(option + " '" + text + "': '" + width + "' is not a layer width",
                    "write WIDTH[:ACTIVATION], e.g. 300:relu or 5");
        }
        if (units < 1) {
            throw new CliException(option + " '" + text + "': a layer needs at least 1 unit", null);
        }
        return Dense.spec(name, units, activation);
    }

    /**
     * A whole stack, {@code 300:relu,100:relu,5}: hidden layers default to ReLU and are named
     * {@code hidden1..}, the last is {@code output} and defaults to identity (logits).
     */
    static List<Dense.Spec> stack(String option, String text) {
        String[] parts = text.split(",");
        List<Dense.Spec> specs = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            boolean last = i == parts.length - 1;
            specs.add(dense(option, last ? "output" : "hidden" + (i + 1), parts[i],
                    last ? Activation.IDENTITY : Activation.RELU));
        }
        return specs;
    }
}
