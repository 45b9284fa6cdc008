package dev.graft.cpu;

import dev.graft.spi.Availability;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.spi.BackendProvider;
import dev.graft.spi.BackendUnavailableException;

/**
 * Discovers the OpenBLAS CPU backend. Constructing it touches no native code; {@link #probe()}
 * loads OpenBLAS once (guarded, cached) and {@link #open} builds a {@link CpuBackend}.
 */
public final class CpuBackendProvider implements BackendProvider {

    /** Threads used when {@link BackendOptions#threads()} is 0; see backend-cpu/README.md for the measurements. */
    public static final int DEFAULT_THREADS = 1;

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int priority() {
        return 200;
    }

    @Override
    public Availability probe() {
        try {
            return CpuNatives.availability();
        } catch (LinkageError | RuntimeException e) {
            return Availability.no("OpenBLAS backend classes could not be loaded: " + e);
        }
    }

    @Override
    public Backend open(BackendOptions options) {
        Availability availability = probe();
        if (!availability.available()) {
            throw new BackendUnavailableException("cpu backend unavailable: " + availability.reason()
                    + ". Use another backend (-Dgraft.backend=reference) or fix the OpenBLAS natives.");
        }
        int threads = options.threads() > 0 ? options.threads() : DEFAULT_THREADS;
        return new CpuBackend(threads);
    }
}
