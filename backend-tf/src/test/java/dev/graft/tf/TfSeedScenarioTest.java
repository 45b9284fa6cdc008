package dev.graft.tf;

import dev.graft.conformance.SeedScenarioConformance;
import dev.graft.spi.BackendProvider;

/** The seed scenario (Fashion-MNIST transfer with a cached bottleneck) on the TensorFlow backend. */
class TfSeedScenarioTest extends SeedScenarioConformance {
    @Override
    protected BackendProvider provider() {
        return new TfBackendProvider();
    }
}
