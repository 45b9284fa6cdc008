package dev.graft.spi;

/**
 * Entry point of a backend, registered in {@code META-INF/services/dev.graft.spi.BackendProvider}.
 * Creating a provider and calling {@link #probe()} must be cheap and must never throw or leave the
 * JVM unable to retry (load nothing heavy in a static initialiser); {@link #open} does the work.
 */
public interface BackendProvider {

    /** Short name: {@code reference}, {@code cpu}, {@code cuda}, {@code tf}. */
    String name();

    /** Higher wins when several are available (CUDA 300, CPU 200, TF 100, reference 0). */
    int priority();

    /** The SPI version this provider implements; discovery skips any other. */
    default int spiVersion() {
        return Backend.SPI_VERSION;
    }

    /** Whether this backend can run here, and why not; never throws; may cache its answer. */
    Availability probe();

    /**
     * Opens a backend instance.
     *
     * @throws BackendUnavailableException with what is missing and how to fix it
     */
    Backend open(BackendOptions options);
}
