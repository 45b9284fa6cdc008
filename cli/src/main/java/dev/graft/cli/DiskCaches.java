package dev.graft.cli;

import dev.graft.cache.BottleneckCache;
import java.nio.file.Path;

/** Opens, lists and clears on-disk bottleneck caches (the API's disk cache). */
final class DiskCaches {

    private DiskCaches() {
    }

    static BottleneckCache open(Path dir) {
        throw unavailable(dir);
    }

    static void list(BaseCommand cmd, Path dir) {
        throw unavailable(dir);
    }

    static void clear(BaseCommand cmd, Path dir) {
        throw unavailable(dir);
    }

    private static CliException unavailable(Path dir) {
        return new CliException(dir + ": the on-disk bottleneck cache is not part of this build yet", "use --cache memory");
    }
}
