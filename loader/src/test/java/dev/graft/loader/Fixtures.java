package dev.graft.loader;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Locates the shared fixtures ({@code <repo root>/../shared/fixtures}). Tests that need them are
 * skipped, with the path that was missing, on machines without the shared folder.
 */
public final class Fixtures {

    private Fixtures() {
    }

    public static Path repoRoot() {
        String prop = System.getProperty("graft.repoRoot");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        for (Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("api")) && Files.isDirectory(d.resolve("loader"))) {
                return d;
            }
        }
        return Path.of(System.getProperty("user.dir")).toAbsolutePath();
    }

    /** {@code <repo root>/../shared/fixtures/<relative>}, or the test is skipped naming the missing path. */
    public static Path require(String relative) {
        Path p = repoRoot().resolve("../shared/fixtures").resolve(relative).normalize();
        assumeTrue(Files.exists(p), "shared fixture missing: " + p + " (tests needing it are skipped)");
        return p;
    }

    public static Path slatteryPrefix() {
        return require("tf1-slattery-2-2-3").resolve("model.ckpt");
    }

    public static Path mnistDir() {
        return require("tf1-haoychen-fcfeed-mnist/logs/fully_connected_feed");
    }

    public static Path savedModelDir() {
        return require("tf2-savedmodel-anubisss-mlmath4/model");
    }

    public static Path kerasH5(String name) {
        return require("keras2-h5-kmotohas-iris/" + name);
    }

    /** Copies every file of {@code prefix}'s checkpoint (and its .meta/state file) into {@code dir}. */
    public static Path copyCheckpoint(Path prefix, Path dir) throws IOException {
        String base = prefix.getFileName().toString();
        try (Stream<Path> files = Files.list(prefix.getParent())) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (f.getFileName().toString().startsWith(base + ".")) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
        }
        return dir.resolve(base);
    }
}
