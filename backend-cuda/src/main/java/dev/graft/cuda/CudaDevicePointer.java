package dev.graft.cuda;

import org.bytedeco.javacpp.FloatPointer;

/**
 * A reusable {@link FloatPointer} aimed at a device address, so that passing a buffer (or a slice
 * of one) to cuBLAS or cudaMemcpy allocates nothing. It owns nothing: device memory belongs to
 * {@link CudaBuffer}.
 */
final class CudaDevicePointer extends FloatPointer {

    CudaDevicePointer() {
        super();
    }

    /** Points at {@code address} (bytes); returns this. */
    CudaDevicePointer at(long address) {
        this.address = address;
        this.position = 0;
        return this;
    }
}
