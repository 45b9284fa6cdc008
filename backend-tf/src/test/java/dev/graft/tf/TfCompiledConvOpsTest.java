package dev.graft.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.ConvWindow;
import dev.graft.DepthwiseConv2D;
import dev.graft.Model;
import dev.graft.Shape;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import dev.graft.train.Loss;
import dev.graft.train.Optimizer;
import dev.graft.train.TrainingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.tensorflow.GraphOperation;

/**
 * Depthwise and dilated convolutions are in the TF backend's compiled graph, not on the op-by-op fallback:
 * {@code DepthwiseConv2dNative} and {@code Conv2D} with its dilations forward, and their own backprop ops (with
 * the dilations) in the train step; the input gradient of the lowest trainable convolution is not built.
 */
class TfCompiledConvOpsTest extends OneTfBackend {

    private static Model model(boolean freezeDepthwise) {
        Model m = Model.builder(Shape.of(9, 8, 2), 4)
                .add(DepthwiseConv2D.spec("dw", ConvWindow.of(3).dilation(2).same(), Activation.RELU).multiplier(2))
                .conv2d("dilated", 3, ConvWindow.of(2).dilation(2, 3), Activation.TANH)
                .globalAvgPool("gap").dense("out", 3, Activation.SOFTMAX).build();
        if (!freezeDepthwise) {
            return m;
        }
        List<dev.graft.Layer> layers = new ArrayList<>(m.layers());
        layers.set(0, layers.get(0).withTrainable(false));
        return new Model(layers);
    }

    private static List<GraphOperation> ops(TfNetwork net, String type) {
        List<GraphOperation> found = new ArrayList<>();
        net.graph().operations().forEachRemaining(op -> {
            if (op.type().equals(type)) {
                found.add((GraphOperation) op);
            }
        });
        return found;
    }

    private static String dilations(GraphOperation op) {
        return java.util.Arrays.stream(op.attributes().getAttrIntList("dilations")).mapToObj(String::valueOf).collect(Collectors.joining(","));
    }

    @Test
    void depthwiseAndDilatedConvolutionsAreCompiledWithTheirBackpropOps() {
        TrainingConfig config = new TrainingConfig(Loss.SOFTMAX_CROSS_ENTROPY, Optimizer.sgd(0.1f), 0f, Map.of(), 1);
        try (Network net = Networks.open(tf, new NetworkPlan(model(false), config, 4))) {
            TfNetwork compiled = assertInstanceOf(TfNetwork.class, net, "compiled, not the op-by-op fallback");
            List<GraphOperation> depthwise = ops(compiled, "DepthwiseConv2dNative");
            assertEquals(2, depthwise.size(), "inference and training forward");
            depthwise.forEach(op -> assertEquals("1,2,2,1", dilations(op), op.name()));
            List<GraphOperation> conv = ops(compiled, "Conv2D");
            assertEquals(2, conv.size());
            conv.forEach(op -> assertEquals("1,2,3,1", dilations(op), op.name()));
            for (String type : new String[] {"DepthwiseConv2dNativeBackpropFilter", "Conv2DBackpropFilter",
                    "Conv2DBackpropInput"}) {
                List<GraphOperation> backprop = ops(compiled, type);
                assertEquals(1, backprop.size(), type);
                assertTrue(dilations(backprop.get(0)).equals("1,2,2,1") || dilations(backprop.get(0)).equals("1,2,3,1"),
                        type + " keeps the dilations");
            }
            assertTrue(ops(compiled, "DepthwiseConv2dNativeBackpropInput").isEmpty(),
                    "nothing below the depthwise layer trains: no input gradient for it");
        }
    }

    @Test
    void aFrozenDepthwiseLayerGetsNoBackpropOps() {
        TrainingConfig config = new TrainingConfig(Loss.SOFTMAX_CROSS_ENTROPY, Optimizer.sgd(0.1f), 0f, Map.of(), 1);
        try (Network net = Networks.open(tf, new NetworkPlan(model(true), config, 4))) {
            TfNetwork compiled = assertInstanceOf(TfNetwork.class, net);
            assertTrue(ops(compiled, "DepthwiseConv2dNativeBackpropFilter").isEmpty());
            assertTrue(ops(compiled, "DepthwiseConv2dNativeBackpropInput").isEmpty());
            assertTrue(ops(compiled, "Conv2DBackpropInput").isEmpty(), "the lowest trainable conv passes no gradient down");
            assertFalse(ops(compiled, "Conv2DBackpropFilter").isEmpty());
        }
    }
}
