package dev.graft.cuda;

import dev.graft.spi.Availability;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.javacpp.Loader;

/**
 * The safe probe sequence, measured on a machine without a driver: load the CUDA runtime binding
 * in a guarded way, count devices, then load cuBLAS and NVRTC. Each step that fails yields a reason
 * saying what is missing; nothing here throws. Called once per JVM by {@link CudaBackendProvider}.
 */
final class CudaProbe {

    private static final Pattern MISSING_LIBRARY = Pattern.compile("(lib[\\w.+-]+\\.so[\\w.]*): cannot open shared object file");

    private CudaProbe() {
    }

    static Availability run() {
        try {
            Loader.load(cudart.class);
        } catch (Throwable t) {
            return Availability.no(describe(t));
        }
        int[] count = {0};
        int status = cudart.cudaGetDeviceCount(count);
        if (status != cudart.cudaSuccess) {
            String name = CudaStatus.name(CudaStatus.Api.CUDART, status);
            String hint = status == cudart.cudaErrorInsufficientDriver
                    ? "the NVIDIA driver is older than the CUDA 13 runtime: update the driver (580 or newer)"
                    : status == cudart.cudaErrorNoDevice ? "no CUDA-capable device is visible" : "the CUDA runtime cannot start";
            return Availability.no(hint + " (cudaGetDeviceCount: " + name + ")");
        }
        if (count[0] == 0) {
            return Availability.no("no CUDA-capable device is visible (cudaGetDeviceCount = 0)");
        }
        try {
            Loader.load(cublas.class);
        } catch (Throwable t) {
            return Availability.no("cuBLAS: " + describe(t));
        }
        try {
            Loader.load(nvrtc.class);
        } catch (Throwable t) {
            return Availability.no("NVRTC: " + describe(t));
        }
        return Availability.yes(count[0] + " device(s); device 0: " + deviceSummary(0));
    }

    /** {@code "NVIDIA H100 80GB HBM3, sm_90, driver 13.0, runtime 13.1"}. */
    static String deviceSummary(int device) {
        try (cudaDeviceProp prop = new cudaDeviceProp()) {
            CudaCheck.check(CudaStatus.Api.CUDART, cudart.cudaGetDeviceProperties(prop, device), "cudaGetDeviceProperties");
            int[] driver = {0};
            int[] runtime = {0};
            cudart.cudaDriverGetVersion(driver);
            cudart.cudaRuntimeGetVersion(runtime);
            return prop.name().getString().trim() + ", sm_" + prop.major() + prop.minor()
                    + ", driver " + version(driver[0]) + ", runtime " + version(runtime[0]);
        }
    }

    private static String version(int v) {
        return (v / 1000) + "." + (v % 1000) / 10;
    }

    /**
     * Turns a native-load failure into a reason a user can act on: the innermost message naming a
     * missing shared library wins ({@code libcuda.so.1} means there is no NVIDIA driver).
     */
    static String describe(Throwable t) {
        String missing = null;
        String first = null;
        for (Throwable c = t; c != null; c = c.getCause()) {
            String message = c.getMessage();
            if (first == null && message != null) {
                first = c.getClass().getSimpleName() + ": " + message;
            }
            if (message != null) {
                Matcher m = MISSING_LIBRARY.matcher(message);
                if (m.find()) {
                    missing = m.group(1);
                }
            }
        }
        if (missing != null) {
            if (missing.startsWith("libcuda.so")) {
                return "no NVIDIA driver: " + missing + " not found";
            }
            return missing + " not found (install the CUDA 13.x toolkit libraries and add their directory to LD_LIBRARY_PATH)";
        }
        return first != null ? first : t.getClass().getName();
    }
}
