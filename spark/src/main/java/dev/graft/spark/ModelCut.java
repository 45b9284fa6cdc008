package dev.graft.spark;

import dev.graft.Model;
import dev.graft.loader.Models;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Where a model is cut into the part that featurizes (layers up to and including the cut layer)
 * and the trainable top above it. The default cut is the rule {@code graft featurize} uses: the
 * top frozen layer, else the layer below the output.
 */
final class ModelCut {

    private ModelCut() {
    }

    /** The model at {@code path} on the driver's file system, any format {@link Models#load} reads. */
    static Model load(String path) {
        try {
            return Models.load(Path.of(path)).model();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the model at " + path + ": " + e.getMessage(), e);
        }
    }

    /** Index of the cut layer: {@code cutLayer} when given, else the default. */
    static int cutIndex(Model model, String cutLayer) {
        if (cutLayer != null && !cutLayer.isBlank()) {
            if (model.find(cutLayer).isEmpty()) {
                throw new IllegalArgumentException("cutLayer '" + cutLayer + "': the model has no such layer; its layers are "
                        + String.join(", ", model.names()));
            }
            return model.indexOf(cutLayer);
        }
        int frozen = model.frozenPrefixLength();
        return frozen > 0 ? frozen - 1 : Math.max(0, model.size() - 2);
    }

    /** Layers up to and including the cut: what {@link GraftFeaturizer} runs. */
    static Model prefix(Model model, String cutLayer) {
        return model.slice(0, cutIndex(model, cutLayer) + 1);
    }

    /** Layers above the cut: what {@link GraftHeadEstimator} trains. */
    static Model top(Model model, String cutLayer) {
        int cut = cutIndex(model, cutLayer);
        if (cut + 1 >= model.size()) {
            throw new IllegalArgumentException("the cut layer '" + model.layer(cut).name()
                    + "' is the model's top layer: there is no head above it to train; cut lower (cutLayer)");
        }
        return model.slice(cut + 1, model.size());
    }
}
