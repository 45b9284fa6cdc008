package dev.graft.loader.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Shape;
import dev.graft.loader.LayerRecipe;
import dev.graft.loader.ModelFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Keras conv configs as real files spell them: the traps and the refusals, at the config level. */
class KerasConvConfigTest {

    private static final Path FILE = Path.of("model.h5");

    private static String sequential(String... layers) {
        return "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"s\", \"layers\": [" + String.join(",", layers) + "]}}";
    }

    private static String layer(String cls, String config) {
        return "{\"class_name\": \"" + cls + "\", \"config\": {" + config + "}}";
    }

    private static List<LayerRecipe> parse(String json) throws ModelFileException {
        return KerasConfig.parse(FILE, json).entries().stream().map(KerasConfig.Entry::recipe).toList();
    }

    @Test
    void withoutAnInputLayerTheFirstLayersBatchInputShapeIsTheInput() throws Exception {
        List<LayerRecipe> r = parse(sequential(
                layer("Conv2D", "\"name\": \"c\", \"batch_input_shape\": [null, 28, 28, 1], \"filters\": 4, \"kernel_size\": [3, 3], \"activation\": \"linear\""),
                layer("Activation", "\"name\": \"a\", \"activation\": \"relu\""),
                layer("Flatten", "\"name\": \"f\""),
                layer("Dense", "\"name\": \"d\", \"units\": 2")));
        assertEquals(Shape.of(28, 28, 1), r.get(0).inputShape());
        assertEquals("relu", r.get(0).description().string("activation"), "the Activation layer folds into the conv");
        assertEquals(List.of("conv2d", "flatten", "dense"), r.stream().map(x -> x.description().type()).toList());
    }

    @Test
    void reluWithMaxValueSixIsRelu6AndOtherCapsAreRefused() throws Exception {
        String conv = layer("Conv2D", "\"name\": \"c\", \"batch_input_shape\": [null, 8, 8, 1], \"filters\": 4, \"kernel_size\": 3");
        List<LayerRecipe> r = parse(sequential(conv, layer("ReLU", "\"name\": \"r\", \"max_value\": 6.0")));
        assertEquals("relu6", r.get(0).description().string("activation"));
        ModelFileException e = assertThrows(ModelFileException.class,
                () -> parse(sequential(conv, layer("ReLU", "\"name\": \"r4\", \"max_value\": 4.0"))));
        assertTrue(e.getMessage().contains("r4") && e.getMessage().contains("max_value"), e.getMessage());
    }

    @Test
    void channelsFirstIsRefusedNamingTheLayer() {
        ModelFileException e = assertThrows(ModelFileException.class, () -> parse(sequential(layer("Conv2D",
                "\"name\": \"nchw\", \"batch_input_shape\": [null, 1, 28, 28], \"filters\": 4, \"kernel_size\": 3, \"data_format\": \"channels_first\""))));
        assertTrue(e.getMessage().contains("nchw") && e.getMessage().contains("channels-first"), e.getMessage());
    }

    @Test
    void separableConvolutionIsDepthwiseThenPointwise() throws Exception {
        List<LayerRecipe> r = parse(sequential(layer("SeparableConv2D", "\"name\": \"sep\", \"batch_input_shape\": [null, 8, 8, 3], "
                + "\"filters\": 5, \"kernel_size\": 3, \"depth_multiplier\": 2, \"activation\": \"relu\"")));
        assertEquals(List.of("sep_depthwise", "sep"), r.stream().map(LayerRecipe::name).toList());
        assertEquals(List.of("depthwise_kernel"), List.copyOf(r.get(0).parameters().keySet()));
        assertEquals(List.of("kernel", "bias"), List.copyOf(r.get(1).parameters().keySet()));
        assertEquals("relu", r.get(1).description().string("activation"));
        assertEquals(List.of(1, 1), r.get(1).description().list("kernel_size"));
    }

    @Test
    void batchNormOverAnotherAxisIsRefused() {
        ModelFileException e = assertThrows(ModelFileException.class, () -> parse(sequential(
                layer("InputLayer", "\"name\": \"in\", \"batch_shape\": [null, 8, 8, 3]"),
                layer("BatchNormalization", "\"name\": \"bn\", \"axis\": 1"))));
        assertTrue(e.getMessage().contains("bn") && e.getMessage().contains("axis 1"), e.getMessage());
    }

    @Test
    void kerasThreeArchiveKeysAreSnakeCasedClassNames() {
        assertEquals("max_pooling2d", KerasConfig.snakeCase("MaxPooling2D"));
        assertEquals("conv2d", KerasConfig.snakeCase("Conv2D"));
        assertEquals("batch_normalization", KerasConfig.snakeCase("BatchNormalization"));
        assertEquals("depthwise_conv2d", KerasConfig.snakeCase("DepthwiseConv2D"));
    }
}
