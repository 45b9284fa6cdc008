package dev.graft.cli;

import dev.graft.cache.BottleneckCache;
import dev.graft.cache.MemoryCache;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * {@code --cache}: where the frozen layers' outputs are kept. {@code memory} (this run only),
 * {@code disk} (the default cache directory, reused by later runs), a directory, or {@code none}
 * (run the frozen layers every epoch).
 */
final class CacheOption {

    /** Environment variable naming the default cache directory. */
    static final String DIR_ENV = "GRAFT_CACHE_DIR";

    @Option(names = "--cache", paramLabel = "memory|disk|none|DIR", defaultValue = "memory",
            description = "Where the frozen layers' outputs (bottleneck features) are cached: memory, disk (the default "
                    + "directory, $GRAFT_CACHE_DIR or ~/.cache/graft), a directory, or none (default: ${DEFAULT-VALUE}).")
    String cache;

    /** The default on-disk cache directory. */
    static Path defaultDirectory() {
        String env = System.getenv(DIR_ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "graft");
    }

    /** The cache to train with, or null for none. */
    BottleneckCache open() {
        String value = cache == null ? "memory" : cache.strip();
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "none", "off" -> null;
            case "memory", "mem" -> new MemoryCache();
            case "disk" -> DiskCaches.open(defaultDirectory());
            default -> DiskCaches.open(Path.of(value));
        };
    }

    /** A label for reports: memory, none, or the directory. */
    String describe() {
        String value = cache == null ? "memory" : cache.strip();
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "none", "off" -> "none";
            case "memory", "mem" -> "memory";
            case "disk" -> defaultDirectory().toString();
            default -> value;
        };
    }
}
