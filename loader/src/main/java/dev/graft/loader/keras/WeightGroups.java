package dev.graft.loader.keras;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How the layers sharing one stored weight group find their tensors: a legacy HDF5 file stores a nested model's
 * weights in the group of the top-level layer holding it, trainable ones first, so there each layer takes the
 * tensors whose path names it ({@code .../block_1_expand_BN/gamma}) rather than the next ones in storage order.
 */
final class WeightGroups {

    private WeightGroups() {
    }

    /** The Keras layer an entry comes from (a SeparableConv2D gives two Graft layers). */
    static String kerasName(KerasConfig.Entry entry) {
        List<String> path = entry.group().byName();
        return path.get(path.size() - 1);
    }

    /**
     * A shared group's tensors by the layer name in their paths ({@code .../<layer>/<weight>}), when there are
     * several layers and every tensor names one of them; null otherwise (then storage order decides).
     */
    static Map<String, List<KerasReader.Tensor>> byLayerName(List<KerasReader.Tensor> stored, Set<String> layers) {
        if (layers == null || layers.size() < 2) {
            return null;
        }
        Map<String, List<KerasReader.Tensor>> out = new HashMap<>();
        for (KerasReader.Tensor t : stored) {
            String[] parts = t.path().split("/");
            String layer = parts.length >= 2 ? parts[parts.length - 2] : "";
            if (!layers.contains(layer)) {
                return null;
            }
            out.computeIfAbsent(layer, k -> new ArrayList<>()).add(t);
        }
        return out;
    }
}
