package dev.graft.cuda;

import dev.graft.conformance.Conformance;
import dev.graft.spi.BackendOptions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The one {@link CudaBackend} of a GPU-only test class (register it as a static
 * {@code @RegisterExtension} field): opened before the class's tests, closed after them. Where the
 * probe finds no usable GPU, each test is skipped with the probe's reason, so reports count them
 * (and {@code -Dgraft.requireBackends=cuda} turns the skip into a failure, as in the conformance suite).
 */
final class CudaGpuBackend implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {

    private CudaBackend backend;
    private String skipReason;

    @Override
    public void beforeAll(ExtensionContext context) {
        skipReason = Conformance.skipReason(new CudaBackendProvider());
        if (skipReason == null) {
            backend = (CudaBackend) new CudaBackendProvider().open(BackendOptions.defaults());
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Assumptions.assumeTrue(skipReason == null, () -> skipReason);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (backend != null) {
            backend.close();
            backend = null;
        }
    }

    /** The open backend; only called from tests, which run only where it opened. */
    CudaBackend backend() {
        return backend;
    }
}
