package dev.graft.loader;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded mutation fuzzer over the real fixtures: each round copies a fixture, damages one of its
 * files (bit flips, overwritten runs, truncation, appended junk) and loads it through {@link Models}.
 * The only acceptable outcomes are a model or a {@link ModelFileException}; anything else (index
 * errors, NullPointerException, OutOfMemoryError, a parser's own runtime exception) fails the test with
 * the seed that reproduces it. The number of rounds is fixed, so the run is bounded and repeatable.
 */
class MutationFuzzTest {

    private static final long SEED = Long.getLong("graft.fuzz.seed", 20240611L);
    private static final int ROUNDS_PER_FILE = Integer.getInteger("graft.fuzz.rounds", 5);

    /** A fixture to damage: the directory to copy, the entry point to load (relative), and its files. */
    private record Target(Path dir, String load) {
    }

    @Test
    void damagedFixturesFailOnlyWithModelFileException(@TempDir Path tmp) throws Exception {
        List<Target> targets = List.of(
                new Target(Fixtures.slatteryPrefix().getParent(), "model.ckpt"),
                new Target(Fixtures.mnistDir(), "checkpoint"),
                new Target(Fixtures.savedModelDir(), "."),
                new Target(Fixtures.kerasH5("iris_model.h5").getParent(), "iris_model.h5"),
                new Target(Fixtures.kerasH5("model_keras_1.h5").getParent(), "model_keras_1.h5"));
        SplittableRandom random = new SplittableRandom(SEED);
        int round = 0;
        int rejected = 0;
        for (Target t : targets) {
            List<String> files = files(t);
            for (String victim : files) {
                for (int i = 0; i < ROUNDS_PER_FILE; i++, round++) {
                    Path copy = tmp.resolve("r" + round);
                    copyTree(t.dir(), copy);
                    String what = mutate(copy.resolve(victim), random.split());
                    try {
                        Models.load(copy.resolve(t.load()).normalize());
                    } catch (ModelFileException expected) {
                        rejected++;
                    } catch (Throwable other) {
                        fail("round " + round + " (seed " + SEED + "): " + victim + " " + what + " -> " + other, other);
                    } finally {
                        deleteTree(copy);
                    }
                }
            }
        }
        assertTrue(rejected > round / 4, "most damage should be detected, got " + rejected + " of " + round);
    }

    private static List<String> files(Target t) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(t.dir())) {
            walk.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().equals("SOURCE.txt"))
                    .filter(f -> t.load().endsWith(".h5") ? f.getFileName().toString().equals(t.load()) : true)
                    .forEach(f -> out.add(t.dir().relativize(f).toString()));
        }
        return out;
    }

    private static String mutate(Path file, SplittableRandom r) throws IOException {
        byte[] b = Files.readAllBytes(file);
        String what;
        switch (r.nextInt(4)) {
            case 0 -> {
                int n = 1 + r.nextInt(4);
                for (int k = 0; k < n && b.length > 0; k++) {
                    b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                }
                what = "flipped " + n + " bits";
            }
            case 1 -> {
                int at = b.length == 0 ? 0 : r.nextInt(b.length);
                int len = Math.min(b.length - at, 1 + r.nextInt(16));
                for (int k = 0; k < len; k++) {
                    b[at + k] = (byte) (r.nextBoolean() ? 0xFF : r.nextInt(256));
                }
                what = "overwrote " + len + " bytes at " + at;
            }
            case 2 -> {
                int keep = b.length == 0 ? 0 : r.nextInt(b.length);
                b = Arrays.copyOf(b, keep);
                what = "truncated to " + keep;
            }
            default -> {
                byte[] junk = new byte[1 + r.nextInt(64)];
                r.nextBytes(junk);
                byte[] longer = Arrays.copyOf(b, b.length + junk.length);
                System.arraycopy(junk, 0, longer, b.length, junk.length);
                b = longer;
                what = "appended " + junk.length + " bytes";
            }
        }
        Files.write(file, b);
        return what;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path dst = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dst);
                } else if (!p.getFileName().toString().equals("SOURCE.txt")) {
                    Files.copy(p, dst);
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
