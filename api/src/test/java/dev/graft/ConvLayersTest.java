package dev.graft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Building CNNs in Java: the README's example, Keras's initial ranges, and errors that name the layer and the fix. */
class ConvLayersTest {

    @Test
    void theReadmeCnnHasKerasShapes() {
        Model cnn = Model.builder(Shape.of(28, 28, 1), 42)
                .conv2d("conv1", 32, 3, Activation.RELU)
                .maxPool("pool1", 2)
                .conv2d("conv2", 64, ConvWindow.of(3).same(), Activation.RELU)
                .maxPool("pool2", 2)
                .flatten("flat")
                .dense("hidden", 128, Activation.RELU)
                .dense("out", 5, Activation.SOFTMAX)
                .build();
        // Keras: Conv2D(32, 3) on 28x28 -> 26x26; pool 2 -> 13; same conv keeps 13; pool 2 (floor) -> 6.
        assertEquals(List.of(Shape.of(26, 26, 32), Shape.of(13, 13, 32), Shape.of(13, 13, 64), Shape.of(6, 6, 64),
                Shape.vector(2304), Shape.vector(128), Shape.vector(5)),
                cnn.layers().stream().map(Layer::outputShape).toList());
        assertEquals(3 * 3 * 32 + 32 + 3 * 3 * 32 * 64 + 64, cnn.layer("conv1").parameterCount() + cnn.layer("conv2").parameterCount());
        Model head = Transfer.from(cnn).freezeThrough("pool2").build();
        assertEquals(4, head.frozenPrefixLength());
    }

    @Test
    void convKernelsStartGlorotUniformWithKerasFans() {
        Conv2D conv = Conv2D.spec("c", 16, 5, Activation.RELU).create(Shape.of(10, 10, 3), new SplittableRandom(1));
        double limit = Math.sqrt(6.0 / (5 * 5 * 3 + 5 * 5 * 16));
        float[] k = conv.parameterValues("kernel");
        double max = 0;
        for (float v : k) {
            max = Math.max(max, Math.abs(v));
        }
        assertTrue(max <= limit && max > 0.9 * limit, "max |w| " + max + " within Glorot's limit " + limit);
        for (float b : conv.parameterValues("bias")) {
            assertEquals(0f, b);
        }
    }

    @Test
    void errorsNameTheLayerAndTheFix() {
        IllegalArgumentException flat = assertThrows(IllegalArgumentException.class,
                () -> Model.builder(784, 1).conv2d("conv1", 8, 3, Activation.RELU));
        assertTrue(flat.getMessage().contains("'conv1'") && flat.getMessage().contains("Shape.of(28, 28, 1)"), flat.getMessage());
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> Model.builder(Shape.of(4, 4, 1), 1).conv2d("conv1", 8, 5, Activation.RELU));
        assertTrue(big.getMessage().contains("'conv1'") && big.getMessage().contains("same"), big.getMessage());
        IllegalArgumentException image = assertThrows(IllegalArgumentException.class,
                () -> Model.builder(Shape.of(4, 4, 1), 1).dense("d", 3, Activation.RELU));
        assertTrue(image.getMessage().contains("flatten"), image.getMessage());
        Conv2D conv = Conv2D.spec("c", 2, 3, Activation.RELU).create(Shape.of(5, 5, 1), new SplittableRandom(1));
        IllegalArgumentException kernel = assertThrows(IllegalArgumentException.class,
                () -> conv.withParameters(Map.of("kernel", new float[17])));
        assertTrue(kernel.getMessage().contains("'c'") && kernel.getMessage().contains("[3, 3, 1, 2]"), kernel.getMessage());
    }
}
