package dev.graft.reference;

import dev.graft.conformance.SeedScenarioConformance;
import dev.graft.spi.BackendProvider;

/** The seed scenario on the pure-Java backend. */
class ReferenceSeedScenarioTest extends SeedScenarioConformance {
    @Override
    protected BackendProvider provider() {
        return new ReferenceBackendProvider();
    }
}
