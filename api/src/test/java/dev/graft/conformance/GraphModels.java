package dev.graft.conformance;

import dev.graft.Activation;
import dev.graft.Add;
import dev.graft.BatchNorm;
import dev.graft.Concatenate;
import dev.graft.Conv2D;
import dev.graft.ConvWindow;
import dev.graft.Dense;
import dev.graft.GlobalAveragePooling2D;
import dev.graft.ActivationLayer;
import dev.graft.Model;
import dev.graft.Shape;

/** Small graph models shared by the graph tests: a residual block, two joined branches, two inputs. */
public final class GraphModels {

    private GraphModels() {
    }

    /**
     * {@code image [6,6,3] → stem conv → conv_a → bn_a → relu_a → conv_b → add(conv_b, stem) → relu →
     * pool → dense(classes)}: the stem's output fans out to the block and the skip.
     */
    public static Model residual(long seed, int classes) {
        return Model.graph(seed)
                .input("image", Shape.of(6, 6, 3))
                .add(Conv2D.spec("stem", 4, ConvWindow.of(3).same(), Activation.RELU), "image")
                .add(Conv2D.spec("conv_a", 4, ConvWindow.of(3).same(), Activation.IDENTITY), "stem")
                .add(BatchNorm.spec("bn_a"), "conv_a")
                .add(ActivationLayer.spec("relu_a", Activation.RELU), "bn_a")
                .add(Conv2D.spec("conv_b", 4, ConvWindow.of(3).same(), Activation.IDENTITY), "relu_a")
                .merge(Add.spec("add"), "conv_b", "stem")
                .add(ActivationLayer.spec("relu", Activation.RELU), "add")
                .add(GlobalAveragePooling2D.spec("pool"), "relu")
                .add(Dense.spec("out", classes, Activation.SOFTMAX), "pool")
                .build();
    }

    /** {@code x [5] → dense left (4) and dense right (3) → concatenate (7) → dense out}: no InputLayer, a branch at the first layer's output. */
    public static Model branches(long seed, int classes) {
        return Model.graph(seed)
                .input("x", Shape.vector(5))
                .add(Dense.spec("trunk", 6, Activation.TANH), "x")
                .add(Dense.spec("left", 4, Activation.RELU), "trunk")
                .add(Dense.spec("right", 3, Activation.SIGMOID), "trunk")
                .merge(Concatenate.spec("join", -1), "left", "right")
                .add(Dense.spec("out", classes, Activation.IDENTITY), "join")
                .build();
    }

    /** Two inputs, {@code a [4]} and {@code b [3]}, each through a dense layer, joined by an add, then a head. */
    public static Model twoInputs(long seed, int classes) {
        return Model.graph(seed)
                .input("a", Shape.vector(4))
                .input("b", Shape.vector(3))
                .add(Dense.spec("da", 5, Activation.TANH), "a")
                .add(Dense.spec("db", 5, Activation.TANH), "b")
                .merge(Add.spec("sum"), "da", "db")
                .add(Dense.spec("out", classes, Activation.IDENTITY), "sum")
                .build();
    }
}
