package dev.graft.exec;

import dev.graft.spi.DeviceBuffer;

/**
 * The passes of a layer with several inputs ({@link dev.graft.Add}, {@link dev.graft.Concatenate}):
 * a merge layer's {@link dev.graft.Layer#op} returns an op implementing this as well as
 * {@link LayerOp}, and executors call these methods for it. As for {@link LayerOp}, nothing may be
 * allocated per call.
 */
public interface MergeOp {

    /** Computes {@code output} from {@code inputs} (one buffer per input, in the layer's input order) for {@code rows} samples. */
    void forward(DeviceBuffer[] inputs, DeviceBuffer output, int rows, Pass pass);

    /**
     * Writes the gradient with respect to input {@code k} into {@code inputGrads[k]}, for every
     * {@code k} whose entry is not null (a null entry: nothing below that input trains). The op may
     * overwrite {@code outputGrad}.
     */
    void backward(DeviceBuffer[] inputs, DeviceBuffer output, DeviceBuffer outputGrad, DeviceBuffer[] inputGrads, int rows);
}
