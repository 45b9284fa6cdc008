package dev.graft.cuda;

import dev.graft.spi.DeviceBuffer;

/**
 * Scratch memory of the convolution families, owned here and freed on {@link #close}: the im2col
 * column matrix, the partial sums of column reductions and the per-channel sums in double. Each
 * buffer is allocated on first use and replaced only when a larger size is first asked for, so a
 * network's repeated steps allocate nothing.
 */
final class CudaScratch implements AutoCloseable {

    private final CudaKernelDevice device;
    private final DeviceBuffer[] buffers = new DeviceBuffer[3];
    private static final int COLUMNS = 0;
    private static final int PARTIALS = 1;
    private static final int SUMS = 2;

    CudaScratch(CudaKernelDevice device) {
        this.device = device;
    }

    /** Address of at least {@code floats} floats for lowered columns. */
    long columns(long floats) {
        return at(COLUMNS, floats);
    }

    /** Address of at least {@code doubles} doubles for a reduction's first stage. */
    long partials(long doubles) {
        return at(PARTIALS, 2 * doubles);
    }

    /** Address of at least {@code doubles} doubles for per-channel sums kept between kernels. */
    long sums(long doubles) {
        return at(SUMS, 2 * doubles);
    }

    private long at(int which, long floats) {
        DeviceBuffer b = buffers[which];
        if (b == null || b.length() < floats) {
            if (b != null) {
                buffers[which] = null;
                b.close();
            }
            b = device.allocate(Math.max(1, floats));
            buffers[which] = b;
        }
        return device.address(b, floats, "scratch", floats + " floats");
    }

    @Override
    public void close() {
        for (int i = 0; i < buffers.length; i++) {
            if (buffers[i] != null) {
                buffers[i].close();
                buffers[i] = null;
            }
        }
    }
}
