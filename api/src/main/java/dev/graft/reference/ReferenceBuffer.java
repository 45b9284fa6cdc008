package dev.graft.reference;

import dev.graft.spi.DeviceBuffer;

/** A reference-backend buffer: a plain heap array. */
final class ReferenceBuffer implements DeviceBuffer {

    final float[] data;
    private boolean closed;

    ReferenceBuffer(long length) {
        if (length < 0 || length > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the reference backend holds at most 2^31 floats per buffer, asked for " + length);
        }
        this.data = new float[(int) length];
    }

    @Override
    public long length() {
        return data.length;
    }

    boolean closed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
    }
}
