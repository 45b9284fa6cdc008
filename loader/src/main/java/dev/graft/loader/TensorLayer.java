package dev.graft.loader;

import dev.graft.Activation;
import java.util.Objects;

/**
 * Where one dense layer's parameters come from in a file: the weights tensor, the bias tensor (or
 * {@code null} for none), the activation, and whether the stored weights are {@code [out, in]} (graphs
 * that compute {@code W·x}) and must be transposed to Graft's {@code [in, out]}. Used both for what the
 * loader recovered and for an explicit mapping given by the user.
 */
public record TensorLayer(String name, String weights, String bias, Activation activation, boolean transposed) {

    public TensorLayer {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(activation, "activation");
    }

    /** A layer stored the usual way ({@code [in, out]} weights). */
    public static TensorLayer of(String name, String weights, String bias, Activation activation) {
        return new TensorLayer(name, weights, bias, activation, false);
    }

    /**
     * The same tensors with another activation: how a caller supplies the activations a checkpoint without
     * a graph cannot say ({@code Models.load(path, report.layers() with activations set)}).
     */
    public TensorLayer withActivation(Activation newActivation) {
        return new TensorLayer(name, weights, bias, newActivation, transposed);
    }

    TensorLayer withName(String newName) {
        return new TensorLayer(newName, weights, bias, activation, transposed);
    }
}
