package dev.graft.cpu;

import dev.graft.conformance.CnnScenarioConformance;
import dev.graft.spi.BackendProvider;

/** The CNN scenario (Fashion-MNIST transfer) on the OpenBLAS backend, weights compared with the reference backend. */
class CpuCnnScenarioTest extends CnnScenarioConformance {
    @Override
    protected BackendProvider provider() {
        return new CpuBackendProvider();
    }
}
