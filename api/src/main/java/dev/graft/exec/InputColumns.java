package dev.graft.exec;

import dev.graft.spi.Backend;
import dev.graft.spi.DeviceBuffer;

/**
 * Puts batches of a model with several inputs on the device: a flat row is the inputs' values
 * concatenated in input-layer order, and each input layer's output buffer receives its own columns
 * (gathered on the host into one reused array, then uploaded), so no kernel splits them.
 */
final class InputColumns {

    private final Backend backend;
    private final DeviceBuffer[] outputs;
    private final int[] widths;
    private final int total;
    private final float[] part;

    InputColumns(Backend backend, DeviceBuffer[] outputs, int[] widths, int batch) {
        this.backend = backend;
        this.outputs = outputs;
        this.widths = widths;
        int sum = 0;
        int max = 0;
        for (int w : widths) {
            sum += w;
            max = Math.max(max, w);
        }
        this.total = sum;
        this.part = new float[batch * max];
    }

    /** Uploads {@code rows} flat rows read from {@code in[offset..]}. */
    void upload(float[] in, int offset, int rows) {
        int column = 0;
        for (int k = 0; k < outputs.length; k++) {
            int w = widths[k];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(in, offset + r * total + column, part, r * w, w);
            }
            backend.upload(part, 0, outputs[k], 0, rows * w);
            column += w;
        }
    }
}
