package dev.graft.cli;

import dev.graft.Backends;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import picocli.CommandLine.Option;

/** {@code --backend} and {@code --threads}: which compute backend runs the work. */
final class BackendOption {

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto",
            description = "cuda, cpu, tf, reference, or auto: the best one present (default: ${DEFAULT-VALUE}; "
                    + "GRAFT_BACKEND / -Dgraft.backend also set it). 'graft backends' lists them.")
    String name;

    @Option(names = "--threads", paramLabel = "N",
            description = "Compute threads (default: GRAFT_THREADS / -Dgraft.threads, else the backend's own default).")
    Integer threads;

    /** Opens the chosen backend; the caller closes it. */
    Backend open() {
        BackendOptions options = BackendOptions.defaults();
        if (threads != null) {
            if (threads < 0) {
                throw new CliException("--threads must be >= 0, got " + threads, null);
            }
            options = options.withThreads(threads);
        }
        if (name == null || name.isBlank() || name.equalsIgnoreCase("auto")) {
            return Backends.open(options);
        }
        return Backends.open(name, options);
    }
}
