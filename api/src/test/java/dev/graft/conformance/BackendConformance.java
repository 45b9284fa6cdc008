package dev.graft.conformance;

/**
 * The whole conformance suite. A backend module runs it by extending this class and returning its
 * provider; an absent backend is skipped with its probe's reason, or fails when named in
 * {@code -Dgraft.requireBackends}.
 *
 * <pre>{@code
 * class CpuConformanceTest extends BackendConformance {
 *     protected BackendProvider provider() { return new CpuBackendProvider(); }
 * }
 * }</pre>
 */
public abstract class BackendConformance extends GraphConformance {
}
