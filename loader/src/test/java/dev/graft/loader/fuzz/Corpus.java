package dev.graft.loader.fuzz;

import dev.graft.loader.tf.FuzzSeeds;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The mutation-fuzz corpus's formats: those {@link FuzzSeeds} writes, plus Keras functional (graph) models, whose
 * seeds are byte-identical copies of the Keras-generated fixtures ({@code gen_graph_models.py}): a nested
 * Functional with a residual Add as legacy HDF5, and a residual/Concatenate model as a {@code .keras} archive.
 */
public final class Corpus {

    /** Graph formats: folder under the corpus to the fixture file its seed copies. */
    public static final Map<String, String> GRAPH_SEEDS = Map.of(
            "keras-h5-graph", "keras3-nested-functional/model.h5",
            "keras-archive-graph", "keras3-resnet/model.keras");

    private Corpus() {
    }

    /** Every format, the graph ones last. */
    public static List<String> formats() {
        List<String> all = new ArrayList<>(FuzzSeeds.FORMATS);
        all.addAll(GRAPH_SEEDS.keySet().stream().sorted().toList());
        return List.copyOf(all);
    }

    /** The path {@code Models.load} takes for a seed folder of {@code format}. */
    public static Path entry(String format, Path seedDir) {
        String fixture = GRAPH_SEEDS.get(format);
        if (fixture != null) {
            return seedDir.resolve(Path.of(fixture).getFileName().toString());
        }
        return FuzzSeeds.entry(format, seedDir);
    }
}
