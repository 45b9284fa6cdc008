package dev.graft.bench;

import dev.graft.Backends;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.spi.BackendUnavailableException;
import java.util.List;
import java.util.Map;

/**
 * Finds the backends on the classpath for the benchmarks. A backend that is absent or unavailable
 * is never benchmarked: opening it throws {@link Skipped} with the probe's reason, which JMH prints
 * in place of a score.
 */
public final class BenchBackends {

    private BenchBackends() {
    }

    /** Thrown from a benchmark's setup when its backend cannot run here. */
    public static final class Skipped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Skipped(String message) {
            super(message);
        }
    }

    /** Every backend on the classpath with its probe's answer, highest priority first (via {@link Backends#discover()}). */
    public static List<Backends.Candidate> candidates() {
        return Backends.discover();
    }

    /** Opens backend {@code name} with {@code threads} compute threads, or throws {@link Skipped} saying why not. */
    public static Backend open(String name, int threads) {
        return open(name, threads, Map.of());
    }

    /** Like {@link #open(String, int)}, with backend properties (e.g. {@code cpu.fusedHead=off}). */
    public static Backend open(String name, int threads, Map<String, String> properties) {
        Backends.Candidate candidate;
        try {
            candidate = Backends.find(name);
        } catch (BackendUnavailableException e) {
            throw new Skipped("SKIPPED backend '" + name + "': " + e.getMessage());
        }
        if (!candidate.availability().available()) {
            throw new Skipped("SKIPPED backend '" + name + "': " + candidate.availability().reason());
        }
        return Backends.open(name, new BackendOptions(threads, properties));
    }
}
