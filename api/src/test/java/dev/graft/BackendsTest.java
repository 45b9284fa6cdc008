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

    /** A provider that counts its probes; available or not as told, and opens the reference backend. */
    private static final class Counting implements dev.graft.spi.BackendProvider {
        private final String name;
        private final int priority;
        private final boolean available;
        final java.util.concurrent.atomic.AtomicInteger probes = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger opens = new java.util.concurrent.atomic.AtomicInteger();

        Counting(String name, int priority, boolean available) {
            this.name = name;
            this.priority = priority;
            this.available = available;
        }

        @Override public String name() { return name; }
        @Override public int priority() { return priority; }

        @Override
        public dev.graft.spi.Availability probe() {
            probes.incrementAndGet();
            return available ? dev.graft.spi.Availability.yes(name + " here") : dev.graft.spi.Availability.no(name + " missing");
        }

        @Override
        public Backend open(BackendOptions options) {
            opens.incrementAndGet();
            return new dev.graft.reference.ReferenceBackendProvider().open(options);
        }
    }

    @Test
    void aNamedOpenProbesOnlyTheNamedProvider() {
        var cuda = new Counting("cuda", 300, false);
        var cpu = new Counting("cpu", 200, true);
        var tf = new Counting("tf", 100, true);
        List<dev.graft.spi.BackendProvider> providers = List.of(cuda, cpu, tf);
        try (Backend b = Backends.open("tf", BackendOptions.defaults(), providers)) {
            assertEquals("reference", b.name(), "the counting provider opens the reference backend");
        }
        assertEquals(List.of(0, 0, 1), List.of(cuda.probes.get(), cpu.probes.get(), tf.probes.get()), "probes of cuda, cpu, tf");
        assertEquals(1, tf.opens.get());

        assertTrue(Backends.find(" CPU ", providers).availability().available());
        assertEquals(List.of(0, 1, 1), List.of(cuda.probes.get(), cpu.probes.get(), tf.probes.get()), "probes of cuda, cpu, tf");

        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Backends.open("cuda", BackendOptions.defaults(), providers));
        assertTrue(e.getMessage().contains("cuda missing"), e.getMessage());
        e = assertThrows(BackendUnavailableException.class, () -> Backends.find("quantum", providers));
        assertTrue(e.getMessage().contains("cuda, cpu, tf"), e.getMessage());
        assertEquals(List.of(1, 1, 1), List.of(cuda.probes.get(), cpu.probes.get(), tf.probes.get()),
                "an unknown name probes nothing");
    }

    @Test
    void automaticSelectionProbesInPriorityOrderAndStopsAtTheFirstThatOpens() {
        var cuda = new Counting("cuda", 300, false);
        var cpu = new Counting("cpu", 200, true);
        var tf = new Counting("tf", 100, true);
        try (Backend b = Backends.openFirst(List.of(cuda, cpu, tf), BackendOptions.defaults())) {
            assertEquals("reference", b.name());
        }
        assertEquals(List.of(1, 1, 0), List.of(cuda.probes.get(), cpu.probes.get(), tf.probes.get()), "probes of cuda, cpu, tf");
        assertEquals(List.of(0, 1, 0), List.of(cuda.opens.get(), cpu.opens.get(), tf.opens.get()), "opens of cuda, cpu, tf");

        var none = new Counting("none", 50, false);
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Backends.openFirst(List.of(cuda, none), BackendOptions.defaults()));
        assertTrue(e.getMessage().contains("cuda (300): unavailable — cuda missing")
                && e.getMessage().contains("none (50): unavailable — none missing"), e.getMessage());
    }

    @Test
    void providersComeBestFirstAndDiscoveryStillProbesEveryOne() {
        var providers = Backends.providers();
        for (int i = 1; i < providers.size(); i++) {
            assertTrue(providers.get(i - 1).priority() >= providers.get(i).priority(), "providers must be sorted best first");
        }
        assertEquals(providers.stream().map(dev.graft.spi.BackendProvider::name).toList(),
                Backends.discover().stream().map(Backends.Candidate::name).toList());
        assertTrue(Backends.find("reference").availability().available());
    }

    @Test
    void aNamedBackendIsLoggedAtDebugAnAutomaticOrOverriddenChoiceAtInfo() {
        List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger(Backends.class.getName());
        java.util.logging.Level before = jul.getLevel();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override public void publish(java.util.logging.LogRecord r) { records.add(r); }
            @Override public void flush() { }
            @Override public void close() { }
        };
        jul.addHandler(capture);
        jul.setLevel(java.util.logging.Level.ALL);
        try {
            var cpu = new Counting("cpu", 200, true);
            Backends.open("cpu", BackendOptions.defaults(), List.of(cpu)).close();
            assertTrue(records.stream().noneMatch(r -> r.getLevel().intValue() >= java.util.logging.Level.INFO.intValue()),
                    "a named open is the caller's choice: " + records.stream().map(java.util.logging.LogRecord::getMessage).toList());
            assertTrue(records.stream().anyMatch(r -> r.getLevel() == java.util.logging.Level.FINE
                    && r.getMessage().startsWith("using backend cpu")), "logged at DEBUG (JUL FINE)");

            records.clear();
            Backends.openFirst(List.of(cpu), BackendOptions.defaults()).close();
            assertTrue(records.stream().anyMatch(r -> r.getLevel() == java.util.logging.Level.INFO
                    && r.getMessage().startsWith("using backend cpu")), "an automatic choice is INFO");

            records.clear();
            System.setProperty(Backends.OVERRIDE_PROPERTY, "reference");
            Backends.open().close();
            assertTrue(records.stream().anyMatch(r -> r.getLevel() == java.util.logging.Level.INFO
                    && r.getMessage().startsWith("using backend reference (override graft.backend")), "an override is INFO: "
                    + records.stream().map(java.util.logging.LogRecord::getMessage).toList());
        } finally {
            jul.removeHandler(capture);
            jul.setLevel(before);
        }
    }
}
