package dev.graft.cli;

import dev.graft.cache.BottleneckCache;
import dev.graft.cache.MemoryCache;
import dev.graft.cache.Storage;
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
                    + "directory: $GRAFT_CACHE_DIR, else $XDG_CACHE_HOME/graft, else ~/.cache/graft), a directory, or none (default: ${DEFAULT-VALUE}).")
    String cache;

    @Option(names = "--cache-storage", paramLabel = "fp32|fp16", defaultValue = "fp32",
            description = "How cached features are stored: fp32, or fp16 to halve memory and disk (default: ${DEFAULT-VALUE}).")
    Storage storage;

    @Option(names = "--cache-max-mb", paramLabel = "MB",
            description = "On disk: keep the cache directory under this size, evicting the least recently used entries.")
    Long maxMegabytes;

    /** The default on-disk cache directory: $GRAFT_CACHE_DIR, else $XDG_CACHE_HOME/graft, else ~/.cache/graft. */
    static Path defaultDirectory() {
        return defaultDirectory(System.getenv(DIR_ENV), System.getenv("XDG_CACHE_HOME"), System.getProperty("user.home"));
    }

    static Path defaultDirectory(String graftCacheDir, String xdgCacheHome, String home) {
        if (graftCacheDir != null && !graftCacheDir.isBlank()) {
            return Path.of(graftCacheDir);
        }
        // The XDG base-directory spec: an unset, empty or relative value is ignored.
        if (xdgCacheHome != null && !xdgCacheHome.isBlank() && Path.of(xdgCacheHome).isAbsolute()) {
            return Path.of(xdgCacheHome, "graft");
        }
        return Path.of(home, ".cache", "graft");
    }

    /** The cache to train with, or null for none. */
    BottleneckCache open() {
        String value = cache == null ? "memory" : cache.strip();
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "none", "off" -> null;
            case "memory", "mem" -> new MemoryCache(storage);
            case "disk" -> DiskCaches.open(defaultDirectory(), storage, maxBytes());
            default -> DiskCaches.open(Path.of(value), storage, maxBytes());
        };
    }

    private Long maxBytes() {
        if (maxMegabytes == null) {
            return null;
        }
        if (maxMegabytes < 1) {
            throw new CliException("--cache-max-mb must be >= 1, got " + maxMegabytes, null);
        }
        return maxMegabytes * 1024 * 1024;
    }

    /** A label for reports: memory, none, or the directory. */
    String describe() {
        String value = cache == null ? "memory" : cache.strip();
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "none", "off" -> "none";
            case "memory", "mem" -> "memory" + (storage == Storage.FP16 ? " (fp16)" : "");
            case "disk" -> defaultDirectory().toString();
            default -> value;
        };
    }
}
