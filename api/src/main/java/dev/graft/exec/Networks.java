package dev.graft.exec;

import dev.graft.spi.Backend;

/** Places models on backends: the backend's {@link NetworkCompiler} if it has one, else a {@link KernelNetwork}. */
public final class Networks {

    private Networks() {
    }

    /** A network for {@code plan} on {@code backend}; close it to free its device memory. */
    public static Network open(Backend backend, NetworkPlan plan) {
        return backend.capability(NetworkCompiler.class)
                .map(compiler -> compiler.compile(plan))
                .orElseGet(() -> new KernelNetwork(backend, plan));
    }
}
