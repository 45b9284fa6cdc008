package dev.graft.spi;

import java.util.Map;

/**
 * Settings every backend understands.
 *
 * @param threads    compute threads for CPU work (BLAS, TF's intra-op pool); 0 means the backend's default
 * @param properties backend-specific settings, e.g. {@code cuda.tf32=true}
 */
public record BackendOptions(int threads, Map<String, String> properties) {

    /** System property ({@code -Dgraft.threads}) and environment variable ({@code GRAFT_THREADS}) for {@link #threads}. */
    public static final String THREADS_PROPERTY = "graft.threads";
    public static final String THREADS_ENV = "GRAFT_THREADS";

    public BackendOptions {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0, got " + threads);
        }
        properties = Map.copyOf(properties);
    }

    /** Threads from {@code -Dgraft.threads} or {@code GRAFT_THREADS}, else 0 (backend default). */
    public static BackendOptions defaults() {
        String value = System.getProperty(THREADS_PROPERTY, System.getenv(THREADS_ENV));
        int threads = 0;
        if (value != null && !value.isBlank()) {
            try {
                threads = Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(THREADS_PROPERTY + "/" + THREADS_ENV + " must be a whole number, got '" + value + "'");
            }
        }
        return new BackendOptions(threads, Map.of());
    }

    public BackendOptions withThreads(int threads) {
        return new BackendOptions(threads, properties);
    }

    /** A backend-specific property, or {@code fallback}. */
    public String property(String key, String fallback) {
        return properties.getOrDefault(key, fallback);
    }
}
