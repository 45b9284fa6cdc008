package dev.graft.exec;

import dev.graft.Activation;
import dev.graft.spi.Backend;
import dev.graft.spi.ChannelKernels;
import dev.graft.spi.DeviceBuffer;
import java.util.function.LongFunction;

/**
 * {@link ChannelKernels} composed from the core kernels, for backends without their own: a row
 * vector is broadcast to a matrix by doubling copies ({@code log2(rows)} calls), then multiplied
 * elementwise. The scratch matrix comes from the owner's allocator and grows only when a larger
 * size is first asked for, so repeated calls allocate nothing.
 */
public final class ComposedChannelKernels implements ChannelKernels {

    private final Backend backend;
    private final LongFunction<DeviceBuffer> allocator;
    private DeviceBuffer scratch;

    /** Kernels on {@code backend}; scratch memory comes from {@code allocator}, whose caller owns and frees it. */
    public ComposedChannelKernels(Backend backend, LongFunction<DeviceBuffer> allocator) {
        this.backend = backend;
        this.allocator = allocator;
    }

    @Override
    public void scaleShift(DeviceBuffer x, DeviceBuffer scale, DeviceBuffer shift, int rows, int cols) {
        long n = (long) rows * cols;
        DeviceBuffer s = scratch(n);
        backend.copy(scale, 0, s, 0, cols);
        for (long filled = 1; filled < rows; filled *= 2) {
            long copyRows = Math.min(filled, rows - filled);
            backend.copy(s, 0, s, filled * cols, copyRows * cols);
        }
        backend.multiply(x, s, n);
        if (shift != null) {
            backend.biasActivation(x, shift, rows, cols, Activation.IDENTITY);
        }
    }

    @Override
    public void columnDots(DeviceBuffer a, DeviceBuffer b, int rows, int cols, DeviceBuffer out) {
        long n = (long) rows * cols;
        DeviceBuffer s = scratch(n);
        backend.copy(a, 0, s, 0, n);
        backend.multiply(s, b, n);
        backend.columnSums(s, rows, cols, 1f, out, 0f);
    }

    private DeviceBuffer scratch(long length) {
        if (scratch == null || scratch.length() < length) {
            scratch = allocator.apply(length);
        }
        return scratch;
    }
}
