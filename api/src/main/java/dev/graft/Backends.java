package dev.graft;

import dev.graft.spi.Availability;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.spi.BackendProvider;
import dev.graft.spi.BackendUnavailableException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Finds compute backends with {@link ServiceLoader} and opens the best one present: the highest
 * priority among those whose probe says they can run here, unless the user names one with the
 * system property {@code graft.backend} or the environment variable {@code GRAFT_BACKEND}. The
 * choice, and why each other backend was skipped, is logged; a fallback to the slow pure-Java
 * reference backend because native backends failed to load is a WARNING.
 */
public final class Backends {

    public static final String OVERRIDE_PROPERTY = "graft.backend";
    public static final String OVERRIDE_ENV = "GRAFT_BACKEND";

    /** The name of the pure-Java backend in {@code graft-api}. */
    public static final String REFERENCE = "reference";

    private static final System.Logger LOG = System.getLogger(Backends.class.getName());

    private Backends() {
    }

    /** One discovered provider and its probe's answer. */
    public record Candidate(String name, int priority, Availability availability, BackendProvider provider) {
    }

    /** Every provider on the class path with its probe result, best first. Never throws. */
    public static List<Candidate> discover() {
        return providers().stream().map(Backends::probe).collect(Collectors.toList());
    }

    /**
     * Every provider on the class path, constructed (which by contract touches no native code) but
     * not probed, best first. A provider class that fails to load is logged and left out.
     */
    static List<BackendProvider> providers() {
        List<BackendProvider> found = new ArrayList<>();
        var it = ServiceLoader.load(BackendProvider.class).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                found.add(it.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                LOG.log(Level.WARNING, "skipped a backend provider that failed to load: " + e);
            }
        }
        found.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
        return found;
    }

    /** Asks one provider whether it can run here; never throws. */
    static Candidate probe(BackendProvider provider) {
        Availability availability;
        if (provider.spiVersion() != dev.graft.spi.Backend.SPI_VERSION) {
            availability = Availability.no("built for SPI version " + provider.spiVersion()
                    + ", this Graft speaks version " + dev.graft.spi.Backend.SPI_VERSION);
        } else {
            try {
                availability = provider.probe();
            } catch (RuntimeException | LinkageError e) {
                availability = Availability.no("probe failed: " + e);
            }
        }
        return new Candidate(provider.name(), provider.priority(), availability, provider);
    }

    /**
     * The provider with this name, whatever its availability. Only that provider is probed: a probe
     * may load a native library (OpenBLAS, libcuda, TensorFlow), which costs tens of milliseconds
     * each that a caller who named its backend should not pay.
     */
    public static Candidate find(String name) {
        return find(name, providers());
    }

    static Candidate find(String name, List<BackendProvider> providers) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        for (BackendProvider provider : providers) {
            if (provider.name().equals(wanted)) {
                return probe(provider);
            }
        }
        throw new BackendUnavailableException("no backend named '" + name + "'; on the class path: "
                + providers.stream().map(BackendProvider::name).collect(Collectors.joining(", "))
                + ". Add its module (e.g. graft-backend-" + wanted + ") as a dependency.");
    }

    /** The backend named by the override, if any, else the best available, with default options. */
    public static Backend open() {
        return open(BackendOptions.defaults());
    }

    /**
     * The backend named by the override, if any, else the best available: providers are probed in
     * priority order and the first that opens is used, so the ones below it are never probed (and
     * their native libraries never loaded).
     */
    public static Backend open(BackendOptions options) {
        String override = System.getProperty(OVERRIDE_PROPERTY, System.getenv(OVERRIDE_ENV));
        if (override != null && !override.isBlank()) {
            Backend backend = open(override, options);
            LOG.log(Level.INFO, "using backend " + backend.name() + " (override " + OVERRIDE_PROPERTY + "/" + OVERRIDE_ENV
                    + " = " + override + "): " + backend.description());
            return backend;
        }
        return openFirst(providers(), options);
    }

    /** Probes {@code providers} (best first) one at a time and opens the first that can; see {@link #openBest}. */
    static Backend openFirst(List<BackendProvider> providers, BackendOptions options) {
        List<Candidate> tried = new ArrayList<>();
        // A stream's iterator pulls one element at a time: each provider is probed only when reached.
        Iterator<Candidate> probing = providers.stream().map(Backends::probe).peek(tried::add).iterator();
        Backend backend = openBest(probing, tried, options);
        if (tried.size() < providers.size()) {
            LOG.log(Level.DEBUG, () -> "not probed (lower priority than " + backend.name() + "): " + providers
                    .subList(tried.size(), providers.size()).stream().map(BackendProvider::name)
                    .collect(Collectors.joining(", ")));
        }
        return backend;
    }

    /**
     * Opens the first available of {@code candidates} (best first). Falling back to the pure-Java
     * reference backend because native ones could not load is logged as a WARNING naming each and
     * why: that path is correct but one to two orders of magnitude slower.
     */
    static Backend openBest(List<Candidate> candidates, BackendOptions options) {
        return openBest(candidates.iterator(), candidates, options);
    }

    /** {@code tried}: the candidates taken from {@code candidates} so far, for the error message. */
    private static Backend openBest(Iterator<Candidate> candidates, List<Candidate> tried, BackendOptions options) {
        List<String> failed = new ArrayList<>();
        while (candidates.hasNext()) {
            Candidate c = candidates.next();
            if (!c.availability().available()) {
                LOG.log(Level.INFO, "skipped backend " + c.name() + " (unavailable): " + c.availability().reason());
                failed.add(c.name() + " (" + c.availability().reason() + ")");
                continue;
            }
            try {
                Backend backend = c.provider().open(options);
                if (c.name().equals(REFERENCE) && !failed.isEmpty()) {
                    LOG.log(Level.WARNING, fallbackWarning(failed));
                }
                LOG.log(Level.INFO, "using backend " + c.name() + ": " + backend.description());
                return backend;
            } catch (BackendUnavailableException | LinkageError e) {
                LOG.log(Level.WARNING, "skipped backend " + c.name() + " (failed to open): " + e.getMessage());
                failed.add(c.name() + " (failed to open: " + e.getMessage() + ")");
            }
        }
        throw new BackendUnavailableException("no backend could be opened; tried " + describe(tried));
    }

    /** The warning logged when only the reference backend could be opened. */
    static String fallbackWarning(List<String> failed) {
        return "no native backend could be loaded, falling back to the pure-Java reference backend, which is correct but "
                + "10-100x slower: " + String.join("; ", failed) + ". Add the backend's module and its native dependency "
                + "for this platform (see README, 'Native platforms'), or run 'graft backends' to see what is present; "
                + "-D" + OVERRIDE_PROPERTY + "=reference silences this warning.";
    }

    /**
     * Opens the named backend, failing with its probe's reason when it cannot run here. No other
     * provider is probed. The choice is logged at DEBUG (an automatic or overridden choice at INFO).
     */
    public static Backend open(String name, BackendOptions options) {
        return open(name, options, providers());
    }

    static Backend open(String name, BackendOptions options, List<BackendProvider> providers) {
        Candidate c = find(name, providers);
        if (!c.availability().available()) {
            throw new BackendUnavailableException("backend '" + c.name() + "' is unavailable: " + c.availability().reason());
        }
        Backend backend = c.provider().open(options);
        // The caller chose this backend, so there is nothing to explain at INFO; and the first INFO
        // record costs java.util.logging's set-up and date formatting, 30-40 ms of a cold start.
        LOG.log(Level.DEBUG, () -> "using backend " + c.name() + ": " + backend.description());
        return backend;
    }

    /** A one-line summary of each candidate, e.g. {@code cpu (200): available — OpenBLAS 0.3.31}. */
    public static String describe(List<Candidate> candidates) {
        return candidates.stream()
                .map(c -> c.name() + " (" + c.priority() + "): " + (c.availability().available() ? "available" : "unavailable")
                        + " — " + c.availability().reason())
                .collect(Collectors.joining("; "));
    }
}
