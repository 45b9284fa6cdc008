package dev.graft.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.spi.Availability;
import dev.graft.spi.BackendOptions;
import dev.graft.spi.BackendProvider;
import dev.graft.spi.BackendUnavailableException;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Discovery and the probe: registered, never throws, cached, honest about why it cannot run. */
class CudaBackendProviderTest {

    @Test
    void registeredAsAServiceWithNameAndPriority() {
        BackendProvider found = null;
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p instanceof CudaBackendProvider) {
                found = p;
            }
        }
        assertTrue(found != null, "CudaBackendProvider missing from META-INF/services");
        assertEquals("cuda", found.name());
        assertEquals(300, found.priority());
    }

    @Test
    void probeIsCachedAndUnavailabilityHasAReasonAndBlocksOpen() {
        Availability first = new CudaBackendProvider().probe();
        Availability second = new CudaBackendProvider().probe();
        assertSame(first, second, "the first answer is cached for the JVM's life");
        assertFalse(first.reason() == null || first.reason().isBlank(), "the probe always explains itself");
        if (!first.available()) {
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                    () -> new CudaBackendProvider().open(BackendOptions.defaults()));
            assertTrue(e.getMessage().contains(first.reason()), e.getMessage());
        }
    }

    @Test
    void missingDriverIsNamedFromTheLinkErrorChain() {
        UnsatisfiedLinkError cause = new UnsatisfiedLinkError("/root/.javacpp/cache/cuda.jar/org/bytedeco/cuda/linux-x86_64/libjnicudart.so:"
                + " libcuda.so.1: cannot open shared object file: No such file or directory");
        UnsatisfiedLinkError top = new UnsatisfiedLinkError("no jnicudart in java.library.path: /usr/lib");
        top.initCause(cause);
        assertEquals("no NVIDIA driver: libcuda.so.1 not found", CudaProbe.describe(top));
    }

    @Test
    void missingToolkitLibraryIsNamed() {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError("libjnicublas.so: libcublas.so.13: cannot open shared object file: No such file or directory");
        String reason = CudaProbe.describe(e);
        assertTrue(reason.startsWith("libcublas.so.13 not found"), reason);
        assertTrue(reason.contains("LD_LIBRARY_PATH"), reason);
    }

    @Test
    void otherFailuresKeepTheirMessage() {
        NoClassDefFoundError e = new NoClassDefFoundError("Could not initialize class org.bytedeco.cuda.global.cudart");
        assertEquals("NoClassDefFoundError: Could not initialize class org.bytedeco.cuda.global.cudart", CudaProbe.describe(e));
    }
}
