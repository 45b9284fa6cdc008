package dev.graft.cuda;

import dev.graft.spi.ChannelKernels;
import dev.graft.spi.ConvKernels;
import dev.graft.spi.NormalizationKernels;
import dev.graft.spi.PoolingKernels;

/**
 * The optional kernel families one {@link CudaBackend} offers through {@code capability}, sharing
 * one {@link CudaScratch}; closing frees that scratch.
 */
final class CudaConvFamilies implements AutoCloseable {

    private final CudaScratch scratch;
    private final CudaConvKernels conv;
    private final CudaPoolingKernels pooling;
    private final CudaNormalizationKernels normalization;

    CudaConvFamilies(CudaKernelDevice device) {
        this(device, CudaConvKernels.DEFAULT_SCRATCH_FLOATS);
    }

    /** Families whose im2col columns take at most {@code scratchFloats} floats (more only when one image needs more). */
    CudaConvFamilies(CudaKernelDevice device, long scratchFloats) {
        this.scratch = new CudaScratch(device);
        this.conv = new CudaConvKernels(device, scratch, scratchFloats);
        this.pooling = new CudaPoolingKernels(device);
        this.normalization = new CudaNormalizationKernels(device, scratch);
    }

    /** The implementation of {@code family}: conv, pooling, normalisation or channel kernels. */
    Object of(Class<?> family) {
        if (family == ConvKernels.class) {
            return conv;
        }
        if (family == PoolingKernels.class) {
            return pooling;
        }
        if (family == NormalizationKernels.class || family == ChannelKernels.class) {
            return normalization;
        }
        throw new IllegalArgumentException("the CUDA backend has no kernel family " + family.getName());
    }

    @Override
    public void close() {
        scratch.close();
    }
}
