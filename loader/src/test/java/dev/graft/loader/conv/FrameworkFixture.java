package dev.graft.loader.conv;

import dev.graft.Model;
import dev.graft.loader.Fixtures;
import dev.graft.loader.LoadedModel;
import dev.graft.loader.Models;
import dev.graft.predict.Predictor;
import dev.graft.reference.ReferenceBackend;
import dev.graft.spi.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One model the team generated with TensorFlow/Keras itself ({@code loader/src/test/python/gen_conv_models.py}):
 * the model file(s), a fixed input batch and the framework's own outputs for it
 * ({@code loader/src/test/resources/conv/<name>/}).
 */
public record FrameworkFixture(String name, Path modelPath, Path architecture, Npy input, Npy expected) {

    /** The fixture folder {@code name}, with the model file {@code model} in it (and an architecture JSON, or null). */
    public static FrameworkFixture of(String name, String model, String architecture) throws IOException {
        return in("loader/src/test/resources/conv", name, model, architecture);
    }

    /** The fixture folder {@code name} under {@code root} (relative to the repository root), model file {@code model}. */
    public static FrameworkFixture in(String root, String name, String model) throws IOException {
        return in(root, name, model, null);
    }

    private static FrameworkFixture in(String root, String name, String model, String architecture) throws IOException {
        Path dir = Fixtures.repoRoot().resolve(root).resolve(name);
        if (!Files.isDirectory(dir)) {
            throw new IOException("generated fixture folder missing: " + dir);
        }
        return new FrameworkFixture(name, dir.resolve(model), architecture == null ? null : dir.resolve(architecture),
                Npy.read(dir.resolve("input.npy")), Npy.read(dir.resolve("output.npy")));
    }

    public LoadedModel load() throws IOException {
        return architecture == null ? Models.load(modelPath) : Models.load(modelPath, architecture);
    }

    /** Graft's outputs for the input batch on {@code backend}, one row per sample. */
    public float[][] outputs(Model model, Backend backend) {
        float[][] x = new float[input.rows()][];
        for (int r = 0; r < x.length; r++) {
            x[r] = input.row(r);
        }
        try (Predictor p = Predictor.create(model, backend, x.length)) {
            return p.predict(x).outputs();
        }
    }

    /** {@link #maxRelativeError} of {@code model}'s {@link #outputs} on the reference backend. */
    public double maxRelativeErrorOnReference(Model model) {
        try (Backend reference = new ReferenceBackend()) {
            return maxRelativeError(outputs(model, reference));
        }
    }

    /** The largest |graft − framework| / max(|framework|, 1e-3) over the batch; the caller asserts the bound. */
    public double maxRelativeError(float[][] actual) {
        double worst = 0;
        for (int r = 0; r < actual.length; r++) {
            float[] want = expected.row(r);
            if (want.length != actual[r].length) {
                return Double.POSITIVE_INFINITY;
            }
            for (int i = 0; i < want.length; i++) {
                worst = Math.max(worst, Math.abs(actual[r][i] - want[i]) / Math.max(Math.abs(want[i]), 1e-3));
            }
        }
        return worst;
    }
}
