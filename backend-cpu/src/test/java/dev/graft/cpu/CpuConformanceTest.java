package dev.graft.cpu;

import dev.graft.conformance.BackendConformance;
import dev.graft.spi.BackendProvider;

/** The shared conformance suite on the OpenBLAS backend, compared against the reference backend. */
class CpuConformanceTest extends BackendConformance {
    @Override
    protected BackendProvider provider() {
        return new CpuBackendProvider();
    }
}
