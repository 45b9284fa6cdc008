package dev.graft.exec;

import dev.graft.conv.HostConvKernels;
import dev.graft.spi.Backend;
import dev.graft.spi.ChannelKernels;
import dev.graft.spi.ConvKernels;
import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.NormalizationKernels;
import dev.graft.spi.PoolingKernels;
import java.util.function.LongFunction;

/** Finds a kernel family: the backend's own ({@link Backend#capability}) or the default composition in {@code graft-api}. */
public final class KernelFamilies {

    private KernelFamilies() {
    }

    /**
     * The backend's implementation of {@code family}, else the default composition, which takes its
     * scratch memory from {@code allocator}.
     *
     * @throws IllegalArgumentException naming the backend and family when there is neither
     */
    public static <T> T of(Backend backend, Class<T> family, LongFunction<DeviceBuffer> allocator) {
        return backend.capability(family).orElseGet(() -> composed(backend, family, allocator));
    }

    /** The default composition of {@code family} over the core kernels, ignoring any native one (for tests). */
    public static <T> T composed(Backend backend, Class<T> family, LongFunction<DeviceBuffer> allocator) {
        if (family == ChannelKernels.class) {
            return family.cast(new ComposedChannelKernels(backend, allocator));
        }
        if (family == NormalizationKernels.class) {
            return family.cast(new ComposedNormalizationKernels(backend));
        }
        if (family == ConvKernels.class || family == PoolingKernels.class) {
            // Host loops over the reference kernels: correct on every backend, for those without their own.
            return family.cast(new HostConvKernels(backend));
        }
        throw new IllegalArgumentException("backend '" + backend.name() + "' has no " + family.getName()
                + " and graft-api has no default composition for it");
    }
}
