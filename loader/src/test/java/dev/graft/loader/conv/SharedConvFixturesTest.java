package dev.graft.loader.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Model;
import dev.graft.loader.Fixtures;
import dev.graft.loader.Models;
import dev.graft.reference.ReferenceBackend;
import dev.graft.spi.Backend;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The four real convolutional models in {@code ../shared/fixtures} load with the architecture their SOURCE.txt
 * states, and Graft's forward pass (reference backend) on a fixed batch matches TensorFlow/Keras's own outputs
 * for those files ({@code gen_shared_outputs.py}: the first 16 Fashion-MNIST test images for the MNIST models,
 * seeded uniform images for the CIFAR-10 one) within 1e-4 relative, with the same predicted class for every
 * image. Skipped, naming the path, where the shared folder is absent.
 */
class SharedConvFixturesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "noella-mnist-cnn-keras|artifacts/mnist_cnn.keras|[28, 28, 1]|conv2d_2 conv2d relu, max_pooling2d_2 max_pool2d, conv2d_3 conv2d relu, max_pooling2d_3 max_pool2d, flatten, dense_2 dense relu, dropout, dense_3 dense softmax",
        "kilneta-mnist-cnn-h5|1_ModelTraining_In_Colaboratory/mnist_cnn.h5|[28, 28, 1]|conv2d conv2d relu, max_pooling2d max_pool2d, conv2d_1 conv2d relu, max_pooling2d_1 max_pool2d, dropout, flatten, dense dense relu, dropout, dense_1 dense softmax",
        "lokesh-cifar10-bn-keras|cifar10.keras|[32, 32, 3]|conv2d conv2d relu, batch_normalization batch_norm, conv2d_1 conv2d relu, batch_normalization_1 batch_norm, max_pooling2d max_pool2d, dropout, flatten, dense dense relu, batch_normalization_2 batch_norm, dropout, dense_1 dense softmax",
        "tf1-damgambit-mnist-cnn|my_mnist_model|[28, 28, 1]|conv1 conv2d relu, max_pool2d, conv2 conv2d relu, max_pool2d, flatten, fc1 dense relu, fc2 dense relu, output dense softmax",
    })
    void loadsAsStatedAndMatchesTheFramework(String fixture, String file, String input, String layers) throws Exception {
        Path path = Fixtures.require(fixture).resolve(file);
        Model m = Models.load(path).model();
        assertEquals(input, m.inputShape().toString(), fixture + " input shape");
        assertEquals(layers, ConvFixturesTest.summary(m), fixture + " architecture");
        Path dir = Fixtures.repoRoot().resolve("loader/src/test/resources/conv/shared").resolve(fixture);
        FrameworkFixture f = new FrameworkFixture(fixture, path, null, Npy.read(dir.resolve("input.npy")),
                Npy.read(dir.resolve("output.npy")));
        try (Backend reference = new ReferenceBackend()) {
            float[][] out = f.outputs(m, reference);
            double err = f.maxRelativeError(out);
            int agree = 0;
            for (int r = 0; r < out.length; r++) {
                agree += argMax(out[r]) == argMax(f.expected().row(r)) ? 1 : 0;
            }
            System.out.printf("%s: max relative error vs the framework %.2e, argmax agreement %d/%d%n", fixture, err, agree, out.length);
            assertTrue(err <= ConvFixturesTest.TOLERANCE, fixture + ": max relative error " + err);
            assertEquals(out.length, agree, fixture + ": predicted classes agree with the framework's");
        }
    }

    static int argMax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
