package dev.graft.loader;

import java.nio.file.Path;
import java.util.List;

/**
 * What a load found and decided: the file, its format, which tensors became which layer, which
 * variables were recognised and left out (optimizer slots, counters, metrics) and why, and notes on
 * anything inferred rather than read (e.g. "no graph: order inferred from names and shapes").
 */
public record LoadReport(Path source, ModelFormat format, List<TensorLayer> layers,
                         List<SkippedVariable> skipped, List<String> notes) {

    public LoadReport {
        layers = List.copyOf(layers);
        skipped = List.copyOf(skipped);
        notes = List.copyOf(notes);
    }

    /** A variable present in the file but not loaded into any layer, with the reason. */
    public record SkippedVariable(String name, String reason) {
    }
}
