package dev.graft.exec;

/**
 * A backend capability ({@link dev.graft.spi.Backend#capability}): compiling whole passes instead of
 * running the portable {@link KernelNetwork}. A compiler that cannot compile some layer type must
 * fall back to a {@link KernelNetwork} on its own kernels, never skip the layer.
 */
public interface NetworkCompiler {

    /** Places {@code plan} on the backend. */
    Network compile(NetworkPlan plan);
}
