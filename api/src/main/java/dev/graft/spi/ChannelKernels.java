package dev.graft.spi;

/**
 * An optional kernel family: per-channel (last-dimension) scale and shift, the core of batch
 * normalisation at inference and of per-feature scaling. A backend that implements it natively
 * returns it from {@link Backend#capability}; otherwise {@code graft-api} composes it from the core
 * kernels ({@code dev.graft.exec.ComposedChannelKernels}). The conformance suite checks both
 * against the reference backend.
 */
public interface ChannelKernels {

    /**
     * In place on {@code x} ({@code rows × cols}): {@code x[r, c] = x[r, c] · scale[c] + shift[c]};
     * {@code shift} may be null for none.
     */
    void scaleShift(DeviceBuffer x, DeviceBuffer scale, DeviceBuffer shift, int rows, int cols);

    /**
     * {@code out[c] = Σ_r a[r, c] · b[r, c]} for {@code a}, {@code b} of shape {@code rows × cols}:
     * the gradient of a per-channel scale.
     */
    void columnDots(DeviceBuffer a, DeviceBuffer b, int rows, int cols, DeviceBuffer out);
}
