package dev.graft.loader.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Model;
import dev.graft.loader.LoadedModel;
import dev.graft.loader.ModelFileException;
import dev.graft.loader.conv.FrameworkFixture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * TF2 SavedModels of Keras models (written by {@code tf.saved_model.save} and by {@code model.export}: the layers
 * inside the serving function's body, variables as resource handles, checkpoint keys as object-graph paths) and
 * TF1 graphs, generated with TensorFlow itself ({@code loader/src/test/python/gen_tf_graph_models.py}): each loads
 * with the architecture it was built with, and Graft's forward pass on the reference backend matches TensorFlow's
 * own outputs within 1e-4 relative (the TF backend: {@code TfGraphFixturesOnTfTest} in backend-tf).
 */
class TfGraphFixturesTest {

    static final String ROOT = "loader/src/test/resources/tfgraph";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "tf2-keras-mlp-saved|[12]|mlp/hidden1 dense relu, mlp/hidden2 dense tanh, mlp/logits dense identity",
        "tf2-keras-mlp-export|[12]|mlp/hidden1 dense relu, mlp/hidden2 dense tanh, mlp/logits dense identity",
        "tf2-keras-cnn-saved|[10, 10, 2]|cnn/conv_a conv2d relu, cnn/bn_a batch_norm, max_pool2d, cnn/conv_b conv2d relu6, "
                + "avg_pool2d, flatten, cnn/out dense softmax",
        "tf2-keras-cnn-export|[10, 10, 2]|cnn/conv_a conv2d relu, cnn/bn_a batch_norm, max_pool2d, cnn/conv_b conv2d relu6, "
                + "avg_pool2d, flatten, cnn/out dense softmax",
        "tf2-keras-depthwise-export|[9, 9, 3]|dw/dw depthwise_conv2d relu, dw/bn batch_norm, dw/pointwise conv2d identity, "
                + "global_avg_pool2d, dw/out dense identity",
        "tf1-resnet|[8, 8, 3]|stem conv2d relu, block1/conv1 conv2d relu, block1/bn batch_norm, block1/conv2 conv2d identity, "
                + "add, relu, block2/conv1 conv2d relu, block2/conv2 conv2d identity, block2/project conv2d identity, add, relu, "
                + "side conv2d relu, concatenate, global_avg_pool2d, logits dense identity",
        "tf2-keras-resnet-export|[8, 8, 3]|stem conv2d relu, block_conv1 conv2d relu, block_bn batch_norm, block_conv2 conv2d "
                + "identity, add, relu, side conv2d identity, concatenate, global_avg_pool2d, out dense identity",
        "tf1-input-shortcut|[6]|input, h1 dense tanh, add, concatenate, out dense identity",
        "tf2-keras-inverted-residual-export|[8, 8, 4]|b0_expand conv2d identity, b0_expand_bn batch_norm, relu6, zero_padding2d, "
                + "b0_depthwise depthwise_conv2d identity, b0_depthwise_bn batch_norm, relu6, b0_project conv2d identity, "
                + "b0_project_bn batch_norm, b1_expand conv2d identity, b1_expand_bn batch_norm, relu6, b1_depthwise "
                + "depthwise_conv2d identity, b1_depthwise_bn batch_norm, relu6, b1_project conv2d identity, b1_project_bn "
                + "batch_norm, add, global_avg_pool2d, out dense softmax",
    })
    void loadsAndMatchesTensorFlow(String name, String input, String layers) throws Exception {
        FrameworkFixture f = FrameworkFixture.in(ROOT, name, name.startsWith("tf1-") ? "model.ckpt" : "model");
        LoadedModel loaded = f.load();
        Model m = loaded.model();
        assertEquals(input, m.inputShape().toString(), name + " input shape");
        assertEquals(layers, summary(m), name + " architecture");
        double err = f.maxRelativeErrorOnReference(m);
        System.out.printf("%s: max relative error vs TensorFlow on reference: %.2e%n", name, err);
        assertTrue(err <= 1e-4, name + ": max relative error " + err);
    }

    /**
     * {@code keras_model.export} tracks every variable twice ({@code variables/N} and {@code _all_variables/N}) and
     * renames the graph's handles ({@code kernel_1}): the layers read the keys the serving function's captures
     * point at, and the second copies are reported as skipped, not refused as unused.
     */
    @Test
    void exportReadsTheCapturedVariablesAndSkipsTheirCopies() throws Exception {
        LoadedModel loaded = FrameworkFixture.in(ROOT, "tf2-keras-mlp-export", "model").load();
        assertEquals("variables/0/.ATTRIBUTES/VARIABLE_VALUE", loaded.report().layers().get(0).weights());
        long copies = loaded.report().skipped().stream()
                .filter(s -> s.name().startsWith("_all_variables/") && s.reason().contains("tracked twice")).count();
        assertEquals(6, copies, loaded.report().skipped().toString());
    }

    /** The branches are wired as in the graph: residual adds, a projection shortcut, a concat of a side branch. */
    @Test
    void residualBlocksAreWiredAsTheGraphWiresThem() throws Exception {
        Model m = FrameworkFixture.in(ROOT, "tf1-resnet", "model.ckpt").load().model();
        assertEquals(java.util.List.of("stem", "block1/conv2"), m.inputsOf("block1"));
        assertEquals(m.inputsOf("block2/conv1"), m.inputsOf("block2/project"), "the projection shortcut starts where block 2 does");
        assertEquals(java.util.List.of("block2/conv2", "block2/project"), m.inputsOf("block2"));
        assertEquals(java.util.List.of(m.inputsOf("side").get(0), "side"), m.inputsOf("concat"));
        Model shortcut = FrameworkFixture.in(ROOT, "tf1-input-shortcut", "model.ckpt").load().model();
        assertEquals(java.util.List.of("h1", "input"), shortcut.inputsOf("shortcut"), "a residual around the first layer");
        assertEquals(java.util.List.of("shortcut", "input"), shortcut.inputsOf("join"));
    }

    @Test
    void aLayerWithoutARuleIsRefusedNamingItsOp() throws Exception {
        FrameworkFixture f = FrameworkFixture.in(ROOT, "tf2-keras-layernorm-export", "model");
        ModelFileException e = assertThrows(ModelFileException.class, f::load);
        assertTrue(e.getMessage().contains("ln_1/norm_1/") && e.getMessage().contains("below layer 'ln/out'"), e.getMessage());
    }

    /** "name type activation" per layer; parameterless layers show their type only. */
    static String summary(Model m) {
        return m.layers().stream().map(l -> {
            var d = l.description();
            if (d.type().equals("activation")) {
                return d.string("activation");
            }
            String act = d.config().containsKey("activation") ? " " + d.string("activation") : "";
            return (l.parameters().isEmpty() ? "" : l.name() + " ") + d.type() + act;
        }).collect(Collectors.joining(", "));
    }
}
