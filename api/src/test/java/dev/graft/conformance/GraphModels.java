package dev.graft.conformance;

import dev.graft.Activation;
import dev.graft.Add;
import dev.graft.BatchNorm;
import dev.graft.Concatenate;
import dev.graft.Conv2D;
import dev.graft.ConvWindow;
import dev.graft.Dense;
import dev.graft.Flatten;
import dev.graft.GlobalAveragePooling2D;
import dev.graft.ActivationLayer;
import dev.graft.Model;
import dev.graft.Shape;
import java.util.Map;
import java.util.SplittableRandom;

/** Small graph models shared by the graph tests: a residual block, two joined branches, two inputs. */
public final class GraphModels {

    private GraphModels() {
    }

    /**
     * {@code image [6,6,3] → stem conv → conv_a (no bias, as before a batch norm) → bn_a → relu_a → conv_b → add(conv_b, stem) → relu →
     * pool → dense(classes)}: the stem's output fans out to the block and the skip.
     */
    public static Model residual(long seed, int classes) {
        return residual(seed, classes, Activation.RELU);
    }

    /** As {@link #residual(long, int)} with {@code act} in place of every ReLU (smooth ones for finite differences); batch norm gets random statistics. */
    public static Model residual(long seed, int classes, Activation act) {
        Model model = Model.graph(seed)
                .input("image", Shape.of(6, 6, 3))
                .add(Conv2D.spec("stem", 4, ConvWindow.of(3).same(), act), "image")
                .add(Conv2D.spec("conv_a", 4, ConvWindow.of(3).same(), Activation.IDENTITY).withoutBias(), "stem")
                .add(BatchNorm.spec("bn_a"), "conv_a")
                .add(ActivationLayer.spec("relu_a", act), "bn_a")
                .add(Conv2D.spec("conv_b", 4, ConvWindow.of(3).same(), Activation.IDENTITY), "relu_a")
                .merge(Add.spec("add"), "conv_b", "stem")
                .add(ActivationLayer.spec("relu", act), "add")
                .add(GlobalAveragePooling2D.spec("pool"), "relu")
                .add(Dense.spec("out", classes, Activation.SOFTMAX), "pool")
                .build();
        SplittableRandom r = new SplittableRandom(seed);
        int bn = model.indexOf("bn_a");
        return model.with(bn, model.layer(bn).withParameters(Map.of(
                "gamma", values(r, 4, 0.5, 1.5), "beta", values(r, 4, -0.3, 0.3),
                "moving_mean", values(r, 4, -0.2, 0.2), "moving_variance", values(r, 4, 0.5, 1.5))));
    }

    /**
     * Image branches joined three ways: channels ({@code axis -1}), height ({@code axis 1}, the block-copy
     * path) and, after pooling and flattening, two vectors.
     */
    public static Model imageBranches(long seed, int classes) {
        return Model.graph(seed)
                .input("image", Shape.of(4, 4, 2))
                .add(Conv2D.spec("c1", 3, ConvWindow.of(3).same(), Activation.TANH), "image")
                .add(Conv2D.spec("c2", 3, 1, Activation.SIGMOID), "image")
                .merge(Concatenate.spec("join_c", -1), "c1", "c2")
                .merge(Concatenate.spec("join_h", 1), "c1", "c2")
                .add(GlobalAveragePooling2D.spec("gap"), "join_c")
                .add(Flatten.spec("flat"), "join_h")
                .merge(Concatenate.spec("join_v", -1), "gap", "flat")
                .add(Dense.spec("out", classes, Activation.SOFTMAX), "join_v")
                .build();
    }

    private static float[] values(SplittableRandom r, int n, double lo, double hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextDouble(lo, hi);
        }
        return v;
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
