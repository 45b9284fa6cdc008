package dev.graft.conformance;

import dev.graft.spi.Backend;
import dev.graft.spi.DeviceBuffer;
import java.util.List;
import java.util.function.Consumer;

/** Host arrays on a backend's buffers, for the kernel-level checks of the conformance suite. */
final class DeviceArrays {

    private DeviceArrays() {
    }

    /**
     * Uploads the arrays (a null array is a null buffer), runs {@code body} on their buffers and
     * returns every buffer's contents afterwards (null for a null array); the buffers are closed.
     */
    static float[][] run(Backend on, Consumer<DeviceBuffer[]> body, float[]... arrays) {
        DeviceBuffer[] buffers = new DeviceBuffer[arrays.length];
        try {
            for (int i = 0; i < arrays.length; i++) {
                if (arrays[i] != null) {
                    buffers[i] = on.allocate(arrays[i].length);
                    on.upload(arrays[i], 0, buffers[i], 0, arrays[i].length);
                }
            }
            body.accept(buffers);
            float[][] out = new float[arrays.length][];
            for (int i = 0; i < arrays.length; i++) {
                if (arrays[i] != null) {
                    out[i] = new float[arrays[i].length];
                    on.download(buffers[i], 0, out[i], 0, out[i].length);
                }
            }
            return out;
        } finally {
            for (DeviceBuffer b : buffers) {
                if (b != null) {
                    b.close();
                }
            }
        }
    }

    /** Records {@code b} in {@code owned}, whose owner closes them all, and returns it. */
    static DeviceBuffer keep(List<DeviceBuffer> owned, DeviceBuffer b) {
        owned.add(b);
        return b;
    }
}
