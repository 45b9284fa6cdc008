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
     * Throws naming the layer when TF export cannot write the model. Export writes chains of dense, dropout,
     * activation, convolution (depthwise and dilated too), pooling, flatten and zero-padding layers, whose graph Graft's
     * own loader reads back (checked by a round trip in the tests). Batch norm is refused: its exported arithmetic is
     * not one the loader recognises; a softmax over an image's channels likewise.
     */
    static void requireExportable(Model model) {
        if (!model.isChain()) {
            throw new IllegalArgumentException("cannot write a graph model (branches, merges or several inputs) by TF export "
                    + "(SavedModel/checkpoint): it writes chains of layers only; save the model in Graft's format instead");
        }
        model.layers().stream().filter(l -> !exportable(l)).findFirst().ifPresent(l -> {
            throw new IllegalArgumentException("layer '" + l.name() + "' (type " + l.description().type()
                    + ") cannot be written by TF export (SavedModel/checkpoint): it writes dense, dropout, activation, "
                    + "conv2d, depthwise_conv2d, pooling, flatten and zero padding layers only (no batch norm, no softmax "
                    + "over image channels); save the model in Graft's format instead");
        });
    }

    private static boolean exportable(Layer layer) {
        if (layer instanceof ActivationLayer a) {
            return a.inputShape().rank() <= 1 || a.activation().kind() != dev.graft.Activation.Kind.SOFTMAX;
        }
        return layer instanceof Dense || layer instanceof Dropout || TfConvLayers.compiles(layer);
    }

    /** Throws naming the layer and {@code component} when the model holds a layer the TF graphs cannot compile. */
    static void requireCompilable(Model model, String component) {
        firstUnknown(model).ifPresent(l -> {
            throw new IllegalArgumentException("layer '" + l.name() + "' (type " + l.description().type() + ") cannot be written by "
                    + component + ": TensorFlow graphs are built for dense, dropout, activation, batch-norm, conv2d,"
                    + " depthwise_conv2d, pooling, flatten and zero padding layers only");
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
