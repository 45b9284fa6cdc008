package dev.graft.cpu;

import dev.graft.conformance.SeedScenarioConformance;
import dev.graft.spi.BackendProvider;

/** The seed scenario (Fashion-MNIST transfer) on the OpenBLAS backend, weights compared with the reference backend. */
class CpuSeedScenarioTest extends SeedScenarioConformance {
    @Override
    protected BackendProvider provider() {
        return new CpuBackendProvider();
    }
}
