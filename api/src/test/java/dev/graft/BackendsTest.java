package dev.graft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.spi.BackendUnavailableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BackendsTest {

    @AfterEach
    void clearOverride() {
        System.clearProperty(Backends.OVERRIDE_PROPERTY);
    }

    @Test
    void discoversTheReferenceBackendThroughServiceLoader() {
        var all = Backends.discover();
        var reference = all.stream().filter(c -> c.name().equals("reference")).findFirst().orElseThrow();
        assertTrue(reference.availability().available());
        assertEquals(0, reference.priority());
        for (int i = 1; i < all.size(); i++) {
            assertTrue(all.get(i - 1).priority() >= all.get(i).priority(), "candidates must be sorted best first");
        }
    }

    @Test
    void overrideSelectsByNameAndUnknownNamesListWhatExists() {
        System.setProperty(Backends.OVERRIDE_PROPERTY, "reference");
        try (Backend b = Backends.open()) {
            assertEquals("reference", b.name());
        }
        System.setProperty(Backends.OVERRIDE_PROPERTY, "quantum");
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Backends.open(BackendOptions.defaults()));
        assertTrue(e.getMessage().contains("quantum") && e.getMessage().contains("reference"), e.getMessage());
    }

    @Test
    void threadSettingMustBeANumber() {
        System.setProperty(BackendOptions.THREADS_PROPERTY, "many");
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, BackendOptions::defaults);
            assertTrue(e.getMessage().contains("many"));
        } finally {
            System.clearProperty(BackendOptions.THREADS_PROPERTY);
        }
    }
}
