package dev.graft.reference;

import dev.graft.conformance.CnnScenarioConformance;
import dev.graft.spi.BackendProvider;

/** The CNN scenario on the pure-Java backend. */
class ReferenceCnnScenarioTest extends CnnScenarioConformance {
    @Override
    protected BackendProvider provider() {
        return new ReferenceBackendProvider();
    }
}
