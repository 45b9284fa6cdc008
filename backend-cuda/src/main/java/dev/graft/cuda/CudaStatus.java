package dev.graft.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Names of the status codes returned by the CUDA runtime, the driver API, cuBLAS and NVRTC, so that
 * every error says {@code cudaErrorMemoryAllocation} rather than {@code 2}. The table is a resource
 * generated from the bindings' constants; it needs no GPU and no native library.
 */
public final class CudaStatus {

    /** The library a status code came from: the same number means different things in each. */
    public enum Api { CUDART, DRIVER, CUBLAS, NVRTC }

    private static final Map<String, String> NAMES = load();

    private CudaStatus() {
    }

    /** The status's name, e.g. {@code CUBLAS_STATUS_NOT_INITIALIZED}, or {@code UNKNOWN_<API>_STATUS_<code>}. */
    public static String name(Api api, int status) {
        String name = NAMES.get(key(api, status));
        return name != null ? name : "UNKNOWN_" + api + "_STATUS_" + status;
    }

    /** Whether the table knows this code (used by tests and by callers that add a library's own text). */
    public static boolean known(Api api, int status) {
        return NAMES.containsKey(key(api, status));
    }

    private static String key(Api api, int status) {
        return api.name().toLowerCase(Locale.ROOT) + "." + status;
    }

    private static Map<String, String> load() {
        Properties p = new Properties();
        try (InputStream in = CudaStatus.class.getResourceAsStream("status-names.properties")) {
            if (in == null) {
                throw new IllegalStateException("resource dev/graft/cuda/status-names.properties is missing from the jar");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dev/graft/cuda/status-names.properties", e);
        }
        Map<String, String> names = new HashMap<>();
        p.forEach((k, v) -> names.put((String) k, (String) v));
        return Map.copyOf(names);
    }
}
