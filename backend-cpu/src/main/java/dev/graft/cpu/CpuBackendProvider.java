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

    /**
     * Threads used when neither {@link BackendOptions#threads()} ({@code -Dgraft.threads},
     * {@code GRAFT_THREADS}) nor {@code OPENBLAS_NUM_THREADS} says otherwise: the processors available
     * to this JVM, {@link Runtime#availableProcessors()}, which on JDK 17 follows the container's
     * cgroup CPU quota and cpuset (and {@code -XX:ActiveProcessorCount}). See backend-cpu/README.md
     * for when to pin a smaller number.
     */
    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /** OpenBLAS's own thread variable, honoured when Graft's setting is absent. */
    public static final String OPENBLAS_THREADS_ENV = "OPENBLAS_NUM_THREADS";

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
        String fused = options.property(CpuFusedHeads.PROPERTY, System.getProperty(CpuFusedHeads.SYSTEM_PROPERTY, "auto"));
        return new CpuBackend(threads(options, System.getenv(OPENBLAS_THREADS_ENV)), CpuFusedHeads.mode(fused));
    }

    /**
     * The thread count: Graft's setting ({@code -Dgraft.threads}, then {@code GRAFT_THREADS}) when
     * given, else {@code OPENBLAS_NUM_THREADS} when it is a positive number, else {@link #defaultThreads()}.
     */
    static int threads(BackendOptions options, String openblasNumThreads) {
        if (options.threads() > 0) {
            return options.threads();
        }
        if (openblasNumThreads != null) {
            try {
                int n = Integer.parseInt(openblasNumThreads.trim());
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // OpenBLAS itself ignores a malformed value; so do we.
            }
        }
        return defaultThreads();
    }
}
