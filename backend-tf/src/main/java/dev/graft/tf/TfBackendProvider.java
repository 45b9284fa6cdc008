package dev.graft.tf;

import dev.graft.spi.Availability;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.spi.BackendProvider;

/**
 * Registers the TensorFlow backend ({@code tf}) with discovery. Priority 100, below the CPU
 * backend: TF is the heavier runtime, chosen with {@code -Dgraft.backend=tf}. {@link #probe()} only
 * looks for the classes and the platform's library; the 0.5–4 s native load happens in
 * {@link #open}, and a failed load is remembered and reported by later probes.
 */
public final class TfBackendProvider implements BackendProvider {

    private volatile Availability quick;

    @Override
    public String name() {
        return "tf";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Availability probe() {
        try {
            String failure = TfRuntime.loadFailure();
            if (failure != null) {
                return Availability.no(failure);
            }
            Availability answer = quick;
            if (answer == null) {
                answer = TfRuntime.quickCheck();
                quick = answer;
            }
            return answer;
        } catch (Throwable t) { // probe must never throw, even on a broken class path
            return Availability.no("TensorFlow probe failed: " + t);
        }
    }

    @Override
    public Backend open(BackendOptions options) {
        Availability available = probe();
        if (!available.available()) {
            throw new dev.graft.spi.BackendUnavailableException("TensorFlow backend unavailable: " + available.reason());
        }
        String version = TfRuntime.load();
        return new TfBackend(options, version);
    }
}
