package dev.graft.tf;

import dev.graft.conformance.CnnScenarioConformance;
import dev.graft.spi.BackendProvider;

/** The CNN scenario (Fashion-MNIST transfer with a cached bottleneck) on the TensorFlow backend. */
class TfCnnScenarioTest extends CnnScenarioConformance {
    @Override
    protected BackendProvider provider() {
        return new TfBackendProvider();
    }
}
