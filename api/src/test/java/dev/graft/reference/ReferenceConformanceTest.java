package dev.graft.reference;

import dev.graft.conformance.BackendConformance;
import dev.graft.spi.BackendProvider;

/** The reference backend against itself: keeps the suite honest (its FD and run tests are absolute). */
class ReferenceConformanceTest extends BackendConformance {
    @Override
    protected BackendProvider provider() {
        return new ReferenceBackendProvider();
    }
}
