package dev.graft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.spi.BackendUnavailableException;
import java.util.List;
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

    /** A provider that says it cannot run, as the CPU backend does when OpenBLAS's native jar is missing. */
    private record Absent(String name, int priority, String reason) implements dev.graft.spi.BackendProvider {
        @Override public dev.graft.spi.Availability probe() { return dev.graft.spi.Availability.no(reason); }
        @Override public Backend open(BackendOptions options) { throw new BackendUnavailableException(reason); }
    }

    @Test
    void fallingBackToTheReferenceBackendIsAWarningThatNamesTheFailedBackendAndWhy() {
        var reference = Backends.discover().stream().filter(c -> c.name().equals("reference")).findFirst().orElseThrow();
        var cpu = new Absent("cpu", 200, "no jniopenblas_nolapack in java.library.path");
        List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger(Backends.class.getName());
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override public void publish(java.util.logging.LogRecord r) { records.add(r); }
            @Override public void flush() { }
            @Override public void close() { }
        };
        jul.addHandler(capture);
        try {
            try (Backend b = Backends.openBest(List.of(
                    new Backends.Candidate("cpu", 200, cpu.probe(), cpu), reference), BackendOptions.defaults())) {
                assertEquals("reference", b.name());
            }
            var warnings = records.stream().filter(r -> r.getLevel() == java.util.logging.Level.WARNING).toList();
            assertEquals(1, warnings.size(), "one warning: " + records.stream().map(java.util.logging.LogRecord::getMessage).toList());
            String message = warnings.get(0).getMessage();
            assertTrue(message.contains("cpu (no jniopenblas_nolapack") && message.contains("pure-Java")
                    && message.contains("slower"), message);

            records.clear();
            try (Backend b = Backends.openBest(List.of(reference), BackendOptions.defaults())) {
                assertEquals("reference", b.name());
            }
            assertTrue(records.stream().noneMatch(r -> r.getLevel() == java.util.logging.Level.WARNING),
                    "the reference backend alone, with nothing else to try, is no warning");
        } finally {
            jul.removeHandler(capture);
        }
    }
}
