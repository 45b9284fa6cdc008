package dev.graft.reference;

import dev.graft.spi.Availability;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.spi.BackendProvider;

/** Registers the pure-Java {@link ReferenceBackend}: always available, lowest priority. */
public final class ReferenceBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Availability probe() {
        return Availability.yes("pure Java, always available");
    }

    @Override
    public Backend open(BackendOptions options) {
        return new ReferenceBackend();
    }
}
