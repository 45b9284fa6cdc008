package dev.graft.bench;

import dev.graft.spi.Availability;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.spi.BackendProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Finds the backends on the classpath for the benchmarks. A backend that is absent or unavailable
 * is never benchmarked: opening it throws {@link Skipped} with the probe's reason, which JMH prints
 * in place of a score.
 */
public final class BenchBackends {

    private BenchBackends() {
    }

    /** Thrown from a benchmark's setup when its backend cannot run here. */
    public static final class Skipped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Skipped(String message) {
            super(message);
        }
    }

    /** Every provider registered on the classpath, highest priority first. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> all = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class).forEach(all::add);
        all.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
        return all;
    }

    /** Opens backend {@code name} with {@code threads} compute threads, or throws {@link Skipped} saying why not. */
    public static Backend open(String name, int threads) {
        for (BackendProvider provider : providers()) {
            if (provider.name().equals(name)) {
                Availability availability = provider.probe();
                if (!availability.available()) {
                    throw new Skipped("SKIPPED backend '" + name + "': " + availability.reason());
                }
                return provider.open(new BackendOptions(threads, Map.of()));
            }
        }
        throw new Skipped("SKIPPED backend '" + name + "': no provider of that name on the classpath");
    }
}
