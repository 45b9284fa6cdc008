package dev.graft.cuda;

import dev.graft.conformance.BackendConformance;
import dev.graft.spi.BackendProvider;

/**
 * The shared conformance suite against the reference backend. Without a GPU it is skipped with the
 * probe's reason; with {@code -Dgraft.requireBackends=cuda} that skip becomes a failure.
 */
class CudaConformanceTest extends BackendConformance {
    @Override
    protected BackendProvider provider() {
        return new CudaBackendProvider();
    }
}
