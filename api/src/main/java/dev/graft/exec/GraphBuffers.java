package dev.graft.exec;

import dev.graft.Model;
import dev.graft.spi.DeviceBuffer;
import java.util.List;
import java.util.function.LongFunction;

/**
 * Where {@link KernelNetwork}'s input gradients go. A layer's output gradient has one buffer; the
 * layer it feeds last in the list (whose backward pass runs first) writes straight into it, and each
 * other layer it feeds writes its share into a buffer of its own and adds it in after its pass: the
 * sum over the fan-out. On a chain every output feeds one layer, so no share buffer exists and no
 * addition runs.
 */
final class GraphBuffers {

    /** An input's gradient buffer and, for a share, the buffer to add it into (null when written in place). */
    record Edge(DeviceBuffer buffer, DeviceBuffer sumInto) {
    }

    private final Model model;
    private final int batch;
    private final LongFunction<DeviceBuffer> allocate;

    GraphBuffers(ExecutionPlan rules, int batch, LongFunction<DeviceBuffer> allocate) {
        this.model = rules.plan().model();
        this.batch = batch;
        this.allocate = allocate;
    }

    /** The gradient buffer of layer {@code index}'s output. */
    DeviceBuffer gradientOf(int index, int width) {
        return allocate.apply((long) batch * width);
    }

    /** The buffer for the gradient that layer {@code consumer}'s input {@code k} sends to {@code source}, whose gradient buffer is {@code sourceGrad}. */
    Edge edge(int source, DeviceBuffer sourceGrad, int consumer, int k) {
        List<Integer> consumers = model.consumerIndices(source);
        int last = consumers.get(consumers.size() - 1);
        if (consumer == last && model.inputIndices(consumer).indexOf(source) == k) {
            return new Edge(sourceGrad, null);
        }
        return new Edge(allocate.apply((long) batch * model.layer(source).outputWidth()), sourceGrad);
    }
}
