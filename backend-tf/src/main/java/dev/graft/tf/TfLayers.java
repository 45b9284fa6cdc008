package dev.graft.tf;

import dev.graft.ActivationLayer;
import dev.graft.BatchNorm;
import dev.graft.Dense;
import dev.graft.InputLayer;
import dev.graft.Dropout;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.Parameter;
import java.util.Optional;

/**
 * The layer types the TF backend compiles into its own graphs, and how their parameters are named
 * as TF variables. Anything else runs through the portable executor on the TF kernels (training and
 * inference) or is refused by name (export).
 */
final class TfLayers {

    private TfLayers() {
    }

    /** Whether the TF graphs know this layer's type. */
    static boolean compiles(Layer layer) {
        return layer instanceof Dense || layer instanceof Dropout || layer instanceof ActivationLayer
                || layer instanceof BatchNorm || layer instanceof InputLayer || TfConvLayers.compiles(layer);
    }

    /** The first layer the TF graphs cannot compile, if any. */
    static Optional<Layer> firstUnknown(Model model) {
        return model.layers().stream().filter(l -> !compiles(l)).findFirst();
    }

    /**
     * Throws naming the layer when TF export cannot write the model: export is for dense, dropout and
     * activation layers (a CNN would compile, but its exported signature and re-import are untested).
     */
    static void requireExportable(Model model) {
        if (!model.isChain()) {
            throw new IllegalArgumentException("cannot write a graph model (branches, merges or several inputs) by TF export "
                    + "(SavedModel/checkpoint): it writes chains of layers only; save the model in Graft's format instead");
        }
        model.layers().stream().filter(l -> !(l instanceof Dense || l instanceof Dropout || l instanceof ActivationLayer))
                .findFirst().ifPresent(l -> {
                    throw new IllegalArgumentException("layer '" + l.name() + "' (type " + l.description().type()
                            + ") cannot be written by TF export (SavedModel/checkpoint): it writes dense, dropout and"
                            + " activation layers only; save the model in Graft's format instead");
                });
    }

    /** Throws naming the layer and {@code component} when the model holds a layer the TF graphs cannot compile. */
    static void requireCompilable(Model model, String component) {
        firstUnknown(model).ifPresent(l -> {
            throw new IllegalArgumentException("layer '" + l.name() + "' (type " + l.description().type() + ") cannot be written by "
                    + component + ": TensorFlow graphs are built for dense, dropout, activation, batch-norm, undilated conv2d,"
                    + " pooling, flatten and zero padding layers only");
        });
    }

    /** The TF variable name of a parameter: TF's {@code fully_connected} names for dense, else the parameter's own. */
    static String variableName(Layer layer, Parameter parameter) {
        if (layer instanceof Dense) {
            return parameter.name().equals("kernel") ? "weights" : "biases";
        }
        return parameter.name();
    }
}
