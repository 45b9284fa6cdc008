package dev.graft.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Small synthetic CSV datasets: well-separated Gaussian clusters, one per class. */
final class TestData {

    static final int FEATURES = 8;
    static final int CLASSES = 3;

    private TestData() {
    }

    /** {@code n} rows of {@code FEATURES} features and a 'label' column, clusters at ±2 on a class-specific axis. */
    static Path clusters(Path file, int n, long seed) throws IOException {
        return clusters(file, n, FEATURES, seed);
    }

    static Path clusters(Path file, int n, int features, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < features; j++) {
            sb.append('f').append(j).append(',');
        }
        sb.append("label\n");
        for (int i = 0; i < n; i++) {
            int label = i % CLASSES;
            for (int j = 0; j < features; j++) {
                double centre = j % CLASSES == label ? 2.0 : -0.5;
                sb.append((float) (centre + random.nextGaussian() * 0.5)).append(',');
            }
            sb.append(label).append('\n');
        }
        Files.writeString(file, sb.toString());
        return file;
    }
}
