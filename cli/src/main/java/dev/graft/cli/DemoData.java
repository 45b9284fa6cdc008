package dev.graft.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the Fashion-MNIST subset committed at {@code data/fashion-mnist}: beside the launcher
 * ({@code GRAFT_HOME}), above the jar or classes the CLI runs from, or above the working directory.
 */
final class DemoData {

    static final String RELATIVE = "data/fashion-mnist";
    /** Set by the {@code graft} launcher to the repository root. */
    static final String HOME_ENV = "GRAFT_HOME";

    private DemoData() {
    }

    static Path find() {
        List<Path> starts = new ArrayList<>();
        String home = System.getenv(HOME_ENV);
        if (home != null && !home.isBlank()) {
            starts.add(Path.of(home));
        }
        String repoRoot = System.getProperty("graft.repoRoot");
        if (repoRoot != null && !repoRoot.isBlank()) {
            starts.add(Path.of(repoRoot));
        }
        try {
            starts.add(Path.of(DemoData.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (URISyntaxException | RuntimeException e) {
            // no code source (unusual class loader): the other places are still searched
        }
        starts.add(Path.of("").toAbsolutePath());
        for (Path start : starts) {
            for (Path p = start.toAbsolutePath(); p != null; p = p.getParent()) {
                Path candidate = p.resolve(RELATIVE);
                if (Files.isRegularFile(candidate.resolve("train-images-idx3-ubyte.gz"))
                        || Files.isRegularFile(candidate.resolve("train-images-idx3-ubyte"))) {
                    return candidate;
                }
            }
        }
        throw new CliException("cannot find " + RELATIVE + " (looked above " + starts + ")",
                "run from the Graft repository, set " + HOME_ENV + " to it, or give --data DIR with the Fashion-MNIST "
                        + "IDX files (e.g. the Debian package dataset-fashion-mnist's folder)");
    }
}
