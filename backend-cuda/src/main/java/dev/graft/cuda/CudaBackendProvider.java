package dev.graft.cuda;

import dev.graft.spi.Availability;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.spi.BackendProvider;
import dev.graft.spi.BackendUnavailableException;

/**
 * Discovery entry of the CUDA backend (cuBLAS + NVRTC kernels). Trivial on purpose: it touches no
 * CUDA class itself; {@link #probe()} asks {@link CudaProbe} once per JVM, because a failed native
 * load leaves the binding classes unusable for the JVM's life.
 */
public final class CudaBackendProvider implements BackendProvider {

    /** The provider's name and the value of {@code -Dgraft.backend} that selects it. */
    public static final String NAME = "cuda";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 300;
    }

    @Override
    public Availability probe() {
        return Holder.ANSWER;
    }

    @Override
    public Backend open(BackendOptions options) {
        Availability availability = probe();
        if (!availability.available()) {
            throw new BackendUnavailableException("CUDA backend unavailable: " + availability.reason()
                    + ". It needs an NVIDIA driver and the CUDA 13.x libraries libcudart.so.13, libcublas.so.13,"
                    + " libcublasLt.so.13 and libnvrtc.so.13 on the library path (CUDA toolkit lib64 in"
                    + " LD_LIBRARY_PATH); choose another backend with -Dgraft.backend=cpu.");
        }
        try {
            return new CudaBackend(options);
        } catch (BackendUnavailableException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            throw new BackendUnavailableException("CUDA backend failed to open: " + e, e);
        }
    }

    /** The first probe's answer, computed when this class is first touched and kept for the JVM's life. */
    private static final class Holder {
        static final Availability ANSWER = safeProbe();

        private static Availability safeProbe() {
            try {
                return CudaProbe.run();
            } catch (Throwable t) { // never let discovery fail, whatever the native layer throws
                return Availability.no(CudaProbe.describe(t));
            }
        }
    }
}
