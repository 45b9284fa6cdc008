package dev.graft.cpu;

import dev.graft.conformance.BackendConformance;
import dev.graft.spi.BackendOptions;
import dev.graft.spi.BackendProvider;
import java.util.Map;

/** The whole conformance suite on the cpu backend with the fused dense head forced on wherever it can run. */
class CpuFusedHeadConformanceTest extends BackendConformance {
    @Override
    protected BackendProvider provider() {
        return new CpuBackendProvider();
    }

    @Override
    protected BackendOptions options() {
        return new BackendOptions(1, Map.of(CpuFusedHeads.PROPERTY, "on"));
    }
}
