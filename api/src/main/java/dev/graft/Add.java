package dev.graft;

import dev.graft.exec.LayerOp;
import dev.graft.exec.MergeOp;
import dev.graft.exec.OpContext;
import dev.graft.exec.Pass;
import dev.graft.spi.Backend;
import dev.graft.spi.DeviceBuffer;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The elementwise sum of two or more inputs of one shape (Keras's {@code Add}): the merge at the end
 * of a residual block, {@code y = f(x) + x}. No parameters; the gradient of the sum reaches every
 * input unchanged.
 */
public final class Add extends ParameterlessLayer {

    /** The description type. */
    public static final String TYPE = "add";

    private final int inputs;

    /** Sums inputs of these shapes (all equal, at least two). */
    public Add(String name, List<Shape> inputShapes) {
        this(name, inputShapes, true);
    }

    /** As {@link #Add(String, List)}, frozen or not (which only decides whether training runs it in training mode). */
    public Add(String name, List<Shape> inputShapes, boolean trainable) {
        super(name, MergeShapes.first(name, TYPE, inputShapes), trainable);
        if (inputShapes.size() < 2) {
            throw new IllegalArgumentException("layer '" + name + "' (add) needs at least two inputs, got " + inputShapes.size());
        }
        for (int k = 1; k < inputShapes.size(); k++) {
            if (!inputShapes.get(k).equals(inputShapes.get(0))) {
                throw new IllegalArgumentException("layer '" + name + "' (add) sums inputs of one shape, but input 0 is "
                        + inputShapes.get(0) + " and input " + k + " is " + inputShapes.get(k));
            }
        }
        this.inputs = inputShapes.size();
    }

    /** An add layer whose input shapes come from the layers feeding it. */
    public static MergeSpec spec(String name) {
        return new MergeSpec() {
            @Override public String name() { return name; }
            @Override public Layer create(List<Shape> inputShapes) {
                return new Add(name, inputShapes);
            }
        };
    }

    /** Reads {@code add} descriptions ({@code inputs}: how many). */
    public static final class Type implements LayerType {
        @Override public String type() { return TYPE; }

        @Override
        public Layer create(String name, Shape inputShape, LayerDescription d, Map<String, float[]> p, boolean trainable) {
            return Layers.checkNames(new Add(name, Collections.nCopies(d.integer("inputs"), inputShape), trainable), p);
        }
    }

    @Override public List<Shape> inputShapes() { return Collections.nCopies(inputs, inputShape()); }
    @Override public Shape outputShape() { return inputShape(); }
    @Override public LayerDescription description() { return LayerDescription.of(TYPE).with("inputs", inputs); }

    @Override
    public Add withTrainable(boolean trainable) {
        return new Add(name(), inputShapes(), trainable);
    }

    @Override
    public Add withName(String newName) {
        return new Add(newName, inputShapes(), trainable());
    }

    /** Forward: a copy of the first input, then each other one added ({@code columnSums} over one row is an elementwise add). */
    @Override
    public LayerOp op(OpContext context) {
        Backend backend = context.backend();
        int size = inputShape().size();
        return new Op() {
            @Override
            public void forward(DeviceBuffer[] in, DeviceBuffer output, int rows, Pass pass) {
                int n = rows * size;
                backend.copy(in[0], 0, output, 0, n);
                for (int k = 1; k < in.length; k++) {
                    backend.columnSums(in[k], 1, n, 1f, output, 1f);
                }
            }

            @Override
            public void backward(DeviceBuffer[] in, DeviceBuffer output, DeviceBuffer g, DeviceBuffer[] inputGrads, int rows) {
                for (DeviceBuffer inputGrad : inputGrads) {
                    if (inputGrad != null) {
                        backend.copy(g, 0, inputGrad, 0, (long) rows * size);
                    }
                }
            }
        };
    }

    /** A merge op whose single-input {@link LayerOp} methods refuse (executors call the {@link MergeOp} ones). */
    abstract static class Op implements LayerOp, MergeOp {
        @Override
        public final void forward(DeviceBuffer input, DeviceBuffer output, int rows, Pass pass) {
            throw new IllegalStateException("a merge layer takes several inputs: run it through MergeOp");
        }

        @Override
        public final void backward(DeviceBuffer input, DeviceBuffer output, DeviceBuffer g, DeviceBuffer inputGrad, int rows) {
            throw new IllegalStateException("a merge layer takes several inputs: run it through MergeOp");
        }
    }
}
