package dev.graft.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code graft cache ls|clear}: the on-disk bottleneck cache. */
@Command(name = "cache", mixinStandardHelpOptions = true,
        description = "List or clear the on-disk bottleneck cache (what 'transfer --cache disk|DIR' writes).",
        subcommands = {CacheCommand.Ls.class, CacheCommand.Clear.class})
final class CacheCommand extends BaseCommand {

    @Override
    int run() {
        spec.commandLine().usage(out());
        return 0;
    }

    /** The directory option shared by both subcommands. */
    static final class DirOption {
        @Option(names = "--dir", paramLabel = "DIR",
                description = "The cache directory (default: $GRAFT_CACHE_DIR, else $XDG_CACHE_HOME/graft, else ~/.cache/graft).")
        Path dir;

        Path resolve() {
            return dir != null ? dir : CacheOption.defaultDirectory();
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List the cache's entries: key, shape, size, last use.")
    static final class Ls extends BaseCommand {
        @picocli.CommandLine.Mixin
        DirOption dir;

        @Override
        int run() throws Exception {
            DiskCaches.list(this, dir.resolve());
            return 0;
        }
    }

    @Command(name = "clear", mixinStandardHelpOptions = true, description = "Delete every entry of the cache.")
    static final class Clear extends BaseCommand {
        @picocli.CommandLine.Mixin
        DirOption dir;

        @Override
        int run() throws Exception {
            DiskCaches.clear(this, dir.resolve());
            return 0;
        }
    }
}
