package dev.graft.conformance;

import dev.graft.data.Dataset;
import dev.graft.data.Idx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Assumptions;

/** Locates the repository's committed data and the optional {@code ../shared} folder beside it. */
public final class TestData {

    private TestData() {
    }

    /** The repository root: {@code -Dgraft.repoRoot} (set by the build), else the nearest parent holding {@code data/}. */
    public static Path repoRoot() {
        String configured = System.getProperty("graft.repoRoot");
        if (configured != null && !configured.isBlank() && Files.isDirectory(Paths.get(configured, "data"))) {
            return Paths.get(configured).toAbsolutePath().normalize();
        }
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("data/fashion-mnist"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository root (no data/fashion-mnist above " + Paths.get("").toAbsolutePath() + ")");
    }

    /** The committed Fashion-MNIST subset: 10,000 training and 2,000 test images. */
    public static Path fashionMnist() {
        return repoRoot().resolve("data/fashion-mnist");
    }

    public static Dataset fashionTrain() {
        return read("train");
    }

    public static Dataset fashionTest() {
        return read("t10k");
    }

    private static Dataset read(String split) {
        try {
            return Idx.readSplit(fashionMnist(), split, 10);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code ../shared/<relative>} beside the repository, or the test is skipped saying what is missing. */
    public static Path shared(String relative) {
        Path p = repoRoot().resolveSibling("shared").resolve(relative);
        Assumptions.assumeTrue(Files.exists(p), "skipped: " + p + " is absent (the ../shared folder holds it)");
        return p;
    }
}
