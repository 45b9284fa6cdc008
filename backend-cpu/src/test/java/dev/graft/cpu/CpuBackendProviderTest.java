package dev.graft.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.spi.Availability;
import dev.graft.spi.BackendProvider;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The provider is registered for ServiceLoader, reports OpenBLAS, and caches its probe. */
class CpuBackendProviderTest {

    @Test
    void registeredUnderItsNameWithItsPriority() {
        BackendProvider cpu = ServiceLoader.load(BackendProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p.name().equals("cpu")).findFirst()
                .orElseThrow(() -> new AssertionError("cpu provider not in META-INF/services"));
        assertEquals(200, cpu.priority());
        Availability a = cpu.probe();
        assertTrue(a.available(), a.reason());
        assertTrue(a.reason().startsWith("OpenBLAS 0.3."), a.reason());
        assertTrue(a == new CpuBackendProvider().probe(), "probe answer is cached");
    }
}
