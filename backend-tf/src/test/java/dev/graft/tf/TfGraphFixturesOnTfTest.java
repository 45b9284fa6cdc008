package dev.graft.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Model;
import dev.graft.loader.Models;
import dev.graft.predict.Predictor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The TF2 SavedModels of Keras models and the TF1 branching graphs generated with TensorFlow
 * ({@code loader/src/test/resources/tfgraph}, see {@code TfGraphFixturesTest}), loaded by Graft and run on the TF
 * backend: the outputs match TensorFlow's own within 1e-4 relative (values below 1e-3 compared at that scale).
 * Chains run compiled, graphs on TF kernels op by op.
 */
class TfGraphFixturesOnTfTest extends OneTfBackend {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tf2-keras-mlp-saved", "tf2-keras-mlp-export", "tf2-keras-cnn-saved", "tf2-keras-cnn-export",
        "tf2-keras-depthwise-export", "tf1-resnet", "tf2-keras-resnet-export", "tf1-input-shortcut",
        "tf2-keras-inverted-residual-export"})
    void matchesTensorFlowOnTheTfBackend(String fixture) throws IOException {
        Path dir = repoRoot().resolve("loader/src/test/resources/tfgraph").resolve(fixture);
        Model m = Models.load(dir.resolve(fixture.startsWith("tf1-") ? "model.ckpt" : "model")).model();
        float[][] x = rows(dir.resolve("input.npy"));
        float[][] want = rows(dir.resolve("output.npy"));
        float[][] got;
        try (Predictor p = Predictor.create(m, tf, x.length)) {
            got = p.predict(x).outputs();
        }
        double worst = 0;
        for (int r = 0; r < x.length; r++) {
            assertEquals(want[r].length, got[r].length, "output width");
            for (int i = 0; i < want[r].length; i++) {
                worst = Math.max(worst, Math.abs(got[r][i] - want[r][i]) / Math.max(Math.abs(want[r][i]), 1e-3));
            }
        }
        System.out.printf("%s on tf: max relative error vs TensorFlow %.2e%n", fixture, worst);
        assertTrue(worst <= 1e-4, fixture + " on tf: max relative error " + worst);
    }

    private static Path repoRoot() {
        for (Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("api")) && Files.isDirectory(d.resolve("loader"))) {
                return d;
            }
        }
        throw new IllegalStateException("repository root not found above " + System.getProperty("user.dir"));
    }

    /** A float32 C-order .npy array as rows of its leading axis. */
    private static float[][] rows(Path npy) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(npy)).order(ByteOrder.LITTLE_ENDIAN);
        b.position(8);
        byte[] h = new byte[Short.toUnsignedInt(b.getShort())];
        b.get(h);
        String header = new String(h, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'<f4'") && header.contains("'fortran_order': False"), header);
        int open = header.indexOf("'shape': (") + 10;
        int[] shape = Arrays.stream(header.substring(open, header.indexOf(')', open)).split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
        int width = Arrays.stream(shape).skip(1).reduce(1, Math::multiplyExact);
        float[][] out = new float[shape[0]][width];
        for (float[] row : out) {
            b.asFloatBuffer().get(row);
            b.position(b.position() + 4 * width);
        }
        return out;
    }
}
