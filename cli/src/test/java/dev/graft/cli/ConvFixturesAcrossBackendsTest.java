package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.graft.Backends;
import dev.graft.Model;
import dev.graft.loader.Models;
import dev.graft.predict.Predictor;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The convolutional and graph (functional) models generated with TensorFlow/Keras
 * ({@code loader/src/test/resources/conv}) and the four
 * real ones in {@code ../shared/fixtures}, loaded by Graft and run on every backend: reference, cpu and tf must
 * each match the framework's own outputs within 1e-4 relative (values below 1e-3 compared at that scale) and
 * predict the same class. A backend that is absent is skipped, unless {@code graft.requireBackends} names it.
 */
class ConvFixturesAcrossBackendsTest {

    @ParameterizedTest(name = "{0} on {2}")
    @CsvSource(delimiter = '|', value = {
        "keras3-cnn|model.keras|reference", "keras3-cnn|model.keras|cpu", "keras3-cnn|model.keras|tf",
        "keras3-activations|model.keras|cpu", "keras3-activations|model.keras|tf",
        "keras3-depthwise|model.keras|cpu", "keras3-depthwise|model.keras|tf",
        "keras3-nested|model.h5|cpu", "keras3-nested|model.h5|tf",
        "tf1-lenet|model.ckpt|cpu", "tf1-lenet|model.ckpt|tf",
        "keras3-resnet|model.keras|cpu", "keras3-resnet|model.keras|tf",
        "keras3-inception|model.keras|cpu", "keras3-inception|model.keras|tf",
        "keras3-two-inputs|model.keras|cpu", "keras3-two-inputs|model.keras|tf",
        "keras3-nested-functional|model.keras|cpu", "keras3-nested-functional|model.keras|tf",
        "keras3-mobilenetv2-tm|model.h5|cpu", "keras3-mobilenetv2-tm|model.h5|tf",
        "tf1-batchnorm|model.ckpt|cpu", "tf1-batchnorm|model.ckpt|tf",
        "shared/noella-mnist-cnn-keras|artifacts/mnist_cnn.keras|cpu", "shared/noella-mnist-cnn-keras|artifacts/mnist_cnn.keras|tf",
        "shared/kilneta-mnist-cnn-h5|1_ModelTraining_In_Colaboratory/mnist_cnn.h5|cpu",
        "shared/kilneta-mnist-cnn-h5|1_ModelTraining_In_Colaboratory/mnist_cnn.h5|tf",
        "shared/lokesh-cifar10-bn-keras|cifar10.keras|cpu", "shared/lokesh-cifar10-bn-keras|cifar10.keras|tf",
        "shared/tf1-damgambit-mnist-cnn|my_mnist_model|cpu", "shared/tf1-damgambit-mnist-cnn|my_mnist_model|tf",
    })
    void matchesTheFrameworkOnEachBackend(String fixture, String file, String backendName) throws IOException {
        Path io = Cli.repoRoot().resolve("loader/src/test/resources/conv").resolve(fixture);
        Path model;
        if (fixture.startsWith("shared/")) {
            Path dir = Cli.repoRoot().resolveSibling("shared").resolve("fixtures").resolve(fixture.substring("shared/".length()));
            Assumptions.assumeTrue(Files.isDirectory(dir), "shared fixture missing: " + dir);
            model = dir.resolve(file);
        } else {
            model = io.resolve(file);
        }
        var candidate = Backends.find(backendName);
        if (!candidate.availability().available()) {
            if (Set.of(System.getProperty("graft.requireBackends", "").split(",")).contains(backendName)) {
                fail("backend '" + backendName + "' is required here but unavailable: " + candidate.availability().reason());
            }
            Assumptions.abort(backendName + " unavailable: " + candidate.availability().reason());
        }
        Model m = Models.load(model).model();
        float[][] x = rows(io.resolve("input.npy"));
        float[][] want = rows(io.resolve("output.npy"));
        float[][] got;
        try (Backend backend = Backends.open(backendName, BackendOptions.defaults().withThreads(1));
             Predictor p = Predictor.create(m, backend, x.length)) {
            got = p.predict(x).outputs();
        }
        double worst = 0;
        for (int r = 0; r < x.length; r++) {
            assertEquals(want[r].length, got[r].length, "output width");
            for (int i = 0; i < want[r].length; i++) {
                worst = Math.max(worst, Math.abs(got[r][i] - want[r][i]) / Math.max(Math.abs(want[r][i]), 1e-3));
            }
            assertEquals(Forward.argMax(toDouble(want[r])), Forward.argMax(toDouble(got[r])), fixture + " sample " + r + " class");
        }
        System.out.printf("%s on %s: max relative error vs the framework %.2e%n", fixture, backendName, worst);
        assertTrue(worst <= 1e-4, fixture + " on " + backendName + ": max relative error " + worst);
    }

    @org.junit.jupiter.api.Test
    void inspectShowsEachLayersShapes() {
        Path conv = Cli.repoRoot().resolve("loader/src/test/resources/conv");
        Cli.Run run = Cli.run("inspect", conv.resolve("keras3-cnn/model.keras"));
        assertEquals(0, run.code(), run.err());
        for (String shape : new String[] {"[12, 12, 1]", "[10, 10, 6]", "[5, 5, 6]", "[5, 3, 8] -> [120]", "120 -> 5"}) {
            assertTrue(run.out().contains(shape), "inspect shows " + shape + ":\n" + run.out());
        }
        Cli.Run pair = Cli.run("inspect", conv.resolve("keras3-weights-json/model.weights.h5"),
                "--architecture", conv.resolve("keras3-weights-json/model.json"));
        assertEquals(0, pair.code(), pair.err());
        assertTrue(pair.out().contains("[6, 6, 4]") && pair.out().contains("[36]"), pair.out());
        Cli.Run alone = Cli.run("inspect", conv.resolve("keras3-weights-json/model.weights.h5"));
        assertTrue(alone.code() != 0 && alone.err().contains("--architecture"), alone.err());
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    /** A float32 C-order .npy array as rows of its leading axis. */
    private static float[][] rows(Path npy) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(npy)).order(ByteOrder.LITTLE_ENDIAN);
        b.position(8);
        int headerLength = Short.toUnsignedInt(b.getShort());
        byte[] h = new byte[headerLength];
        b.get(h);
        String header = new String(h, java.nio.charset.StandardCharsets.US_ASCII);
        assertTrue(header.contains("'<f4'") && header.contains("'fortran_order': False"), header);
        String dims = header.substring(header.indexOf("'shape': (") + 10, header.indexOf(')', header.indexOf("'shape': (")));
        int[] shape = Arrays.stream(dims.split(",")).map(String::trim).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
        int width = Arrays.stream(shape).skip(1).reduce(1, Math::multiplyExact);
        float[][] out = new float[shape[0]][width];
        for (float[] row : out) {
            b.asFloatBuffer().get(row);
            b.position(b.position() + 4 * width);
        }
        return out;
    }
}
