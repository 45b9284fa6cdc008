package dev.graft.loader.tf;

import dev.graft.loader.ModelFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.DataType;

/**
 * When the layers come from a graph, every float variable of the checkpoint that is not recognised as
 * training state ({@link VariableFilter}) must be used by them. One left over means the graph and the
 * checkpoint disagree: a damaged graph that lost a bias add, or a part of the model the walk did not
 * reach. Loading without it would give a different model, so it is an error, not a note.
 */
final class UnusedVariables {

    private UnusedVariables() {
    }

    /**
     * Unused checkpoint tensors that are a used one tracked twice, mapped to the used one: the object graph gives
     * both the same variable name ({@code variableNames}, from {@link SavedModels#variableNames}) and the index
     * gives both the same dtype, shape and checksum of their bytes.
     */
    static Map<String, String> copies(TensorBundle bundle, Set<String> used, Map<String, String> variableNames) {
        Map<String, String> copies = new HashMap<>();
        Map<String, TensorBundle.Entry> entries = bundle.entries();
        for (TensorBundle.Entry e : entries.values()) {
            String name = variableNames.get(e.name());
            if (name == null || used.contains(e.name())) {
                continue;
            }
            for (String u : used) {
                TensorBundle.Entry o = entries.get(u);
                if (o != null && name.equals(variableNames.get(u)) && o.dtype() == e.dtype()
                        && java.util.Arrays.equals(o.shape(), e.shape()) && o.crc32c() == e.crc32c() && o.size() == e.size()) {
                    copies.put(e.name(), u);
                    break;
                }
            }
        }
        return copies;
    }

    static void check(Path graphFile, TensorBundle bundle, Set<String> used, Set<String> copies) throws ModelFileException {
        for (TensorBundle.Entry e : bundle.entries().values()) {
            boolean floating = e.dtype() == DataType.DT_FLOAT || e.dtype() == DataType.DT_DOUBLE;
            if (floating && !used.contains(e.name()) && !copies.contains(e.name()) && VariableFilter.skipReason(e.name()).isEmpty()) {
                throw new ModelFileException(graphFile, e.name(), "the checkpoint " + bundle.indexFile().getFileName()
                        + " holds this float variable " + java.util.Arrays.toString(e.shape()) + " but the layer chain "
                        + "recovered from the graph does not use it: the graph and the checkpoint disagree (a damaged "
                        + "graph file, or a part of the model Graft cannot follow); give an explicit layer mapping to "
                        + "load chosen layers anyway");
            }
        }
    }
}
