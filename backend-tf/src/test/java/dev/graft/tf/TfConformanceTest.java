package dev.graft.tf;

import dev.graft.conformance.BackendConformance;
import dev.graft.spi.BackendProvider;

/** The shared conformance suite on the TensorFlow backend (kernels and the compiled network). */
class TfConformanceTest extends BackendConformance {
    @Override
    protected BackendProvider provider() {
        return new TfBackendProvider();
    }
}
