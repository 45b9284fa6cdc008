package dev.graft;

import dev.graft.exec.LayerOp;
import dev.graft.exec.OpContext;
import dev.graft.exec.Pass;
import dev.graft.spi.Backend;
import dev.graft.spi.DeviceBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Joins two or more inputs along one axis (Keras's {@code Concatenate}), e.g. the channels of
 * parallel branches. The axis is given as Keras gives it: {@code -1} is the last axis (channels in
 * channels-last images), a positive axis counts the batch dimension as 0 (so {@code 3} is the
 * channels of {@code [h, w, c]} samples). Every other dimension must agree. No parameters.
 */
public final class Concatenate extends ParameterlessLayer {

    /** The description type. */
    public static final String TYPE = "concatenate";

    /**
     * Widest joined last axis done as a GEMM per input with a selection matrix: one kernel call instead of
     * one copy per pixel, at the price of {@code width} multiply-adds per output value, which beyond this
     * costs more than the copies save.
     */
    private static final int SELECTION_LIMIT = 512;

    private final List<Shape> inputShapes;
    private final int axis;
    private final int sampleAxis;

    /** Joins inputs of these shapes along {@code axis} (Keras's convention, see the class comment). */
    public Concatenate(String name, List<Shape> inputShapes, int axis) {
        this(name, inputShapes, axis, true);
    }

    /** As {@link #Concatenate(String, List, int)}, frozen or not. */
    public Concatenate(String name, List<Shape> inputShapes, int axis, boolean trainable) {
        super(name, MergeShapes.first(name, TYPE, inputShapes), trainable);
        if (inputShapes.size() < 2) {
            throw new IllegalArgumentException("layer '" + name + "' (concatenate) needs at least two inputs, got "
                    + inputShapes.size());
        }
        int rank = inputShapes.get(0).rank();
        this.sampleAxis = axis < 0 ? rank + axis : axis - 1;
        if (sampleAxis < 0 || sampleAxis >= rank) {
            throw new IllegalArgumentException("layer '" + name + "' (concatenate): axis " + axis + " is not an axis of "
                    + inputShapes.get(0) + " samples (use -1 for the last; 0 is the batch and cannot be joined)");
        }
        for (int k = 1; k < inputShapes.size(); k++) {
            Shape s = inputShapes.get(k);
            boolean fits = s.rank() == rank;
            for (int d = 0; fits && d < rank; d++) {
                fits = d == sampleAxis || s.dim(d) == inputShapes.get(0).dim(d);
            }
            if (!fits) {
                throw new IllegalArgumentException("layer '" + name + "' (concatenate) joins along axis " + axis
                        + ", so every other dimension must agree, but input 0 is " + inputShapes.get(0)
                        + " and input " + k + " is " + s);
            }
        }
        this.inputShapes = List.copyOf(inputShapes);
        this.axis = axis;
    }

    /** A concatenate layer whose input shapes come from the layers feeding it. */
    public static MergeSpec spec(String name, int axis) {
        return new MergeSpec() {
            @Override public String name() { return name; }
            @Override public Layer create(List<Shape> inputShapes) {
                return new Concatenate(name, inputShapes, axis);
            }
        };
    }

    /** Reads {@code concatenate} descriptions ({@code axis}, and {@code sizes}: each input's extent along it). */
    public static final class Type implements LayerType {
        @Override public String type() { return TYPE; }

        @Override
        public Layer create(String name, Shape inputShape, LayerDescription d, Map<String, float[]> p, boolean trainable) {
            int axis = d.integer("axis");
            int sampleAxis = axis < 0 ? inputShape.rank() + axis : axis - 1;
            if (sampleAxis < 0 || sampleAxis >= inputShape.rank()) {
                throw new IllegalArgumentException("layer '" + name + "' (concatenate): axis " + axis
                        + " is not an axis of " + inputShape + " samples");
            }
            List<Shape> shapes = new ArrayList<>();
            for (Object size : d.list("sizes")) {
                if (!(size instanceof Number n) || n.intValue() <= 0 || n.doubleValue() != n.intValue()) {
                    throw new IllegalArgumentException("layer '" + name + "' (concatenate): size " + size + " is not a positive int");
                }
                int[] dims = inputShape.dims();
                dims[sampleAxis] = n.intValue();
                shapes.add(Shape.of(dims));
            }
            if (shapes.isEmpty() || !shapes.get(0).equals(inputShape)) {
                throw new IllegalArgumentException("layer '" + name + "' (concatenate): sizes " + d.list("sizes")
                        + " do not start with the input shape " + inputShape + "'s extent along axis " + axis);
            }
            return Layers.checkNames(new Concatenate(name, shapes, axis, trainable), p);
        }
    }

    /** The axis as given (Keras's convention). */
    public int axis() { return axis; }

    @Override public List<Shape> inputShapes() { return inputShapes; }

    @Override
    public Shape outputShape() {
        int[] dims = inputShape().dims();
        dims[sampleAxis] = inputShapes.stream().mapToInt(s -> s.dim(sampleAxis)).sum();
        return Shape.of(dims);
    }

    @Override
    public LayerDescription description() {
        return LayerDescription.of(TYPE).with("axis", axis)
                .with("sizes", inputShapes.stream().map(s -> s.dim(sampleAxis)).toList());
    }

    @Override
    public Concatenate withTrainable(boolean trainable) {
        return new Concatenate(name(), inputShapes, axis, trainable);
    }

    @Override
    public Concatenate withName(String newName) {
        return new Concatenate(newName, inputShapes, axis, trainable());
    }

    /**
     * Each sample is {@code outer} blocks; input {@code k} contributes {@code blocks[k]} values to each.
     * Joining the last axis of modest width is a GEMM per input with a 0/1 selection matrix (exact, and
     * one kernel call instead of one copy per pixel); otherwise one copy per block.
     */
    @Override
    public LayerOp op(OpContext context) {
        Backend backend = context.backend();
        int[] dims = inputShape().dims();
        int outer = 1;
        for (int d = 0; d < sampleAxis; d++) {
            outer *= dims[d];
        }
        int inner = 1;
        for (int d = sampleAxis + 1; d < dims.length; d++) {
            inner *= dims[d];
        }
        int n = inputShapes.size();
        int[] blocks = new int[n];
        int[] offsets = new int[n];
        int total = 0;
        for (int k = 0; k < n; k++) {
            blocks[k] = inputShapes.get(k).dim(sampleAxis) * inner;
            offsets[k] = total;
            total += blocks[k];
        }
        int width = total;
        int perSample = outer;
        if (inner == 1 && width <= SELECTION_LIMIT) {
            DeviceBuffer[] selections = new DeviceBuffer[n];
            for (int k = 0; k < n; k++) {
                float[] s = new float[blocks[k] * width];
                for (int j = 0; j < blocks[k]; j++) {
                    s[j * width + offsets[k] + j] = 1f;
                }
                selections[k] = context.allocate(s.length);
                backend.upload(s, 0, selections[k], 0, s.length);
            }
            return new Add.Op() {
                @Override
                public void forward(DeviceBuffer[] in, DeviceBuffer output, int rows, Pass pass) {
                    int m = rows * perSample;
                    for (int k = 0; k < n; k++) {
                        backend.gemm(false, false, m, width, blocks[k], 1f, in[k], selections[k], k == 0 ? 0f : 1f, output);
                    }
                }

                @Override
                public void backward(DeviceBuffer[] in, DeviceBuffer output, DeviceBuffer g, DeviceBuffer[] inputGrads, int rows) {
                    int m = rows * perSample;
                    for (int k = 0; k < n; k++) {
                        if (inputGrads[k] != null) {
                            backend.gemm(false, true, m, blocks[k], width, 1f, g, selections[k], 0f, inputGrads[k]);
                        }
                    }
                }
            };
        }
        return new Add.Op() {
            @Override
            public void forward(DeviceBuffer[] in, DeviceBuffer output, int rows, Pass pass) {
                long m = (long) rows * perSample;
                for (long r = 0; r < m; r++) {
                    for (int k = 0; k < n; k++) {
                        backend.copy(in[k], r * blocks[k], output, r * width + offsets[k], blocks[k]);
                    }
                }
            }

            @Override
            public void backward(DeviceBuffer[] in, DeviceBuffer output, DeviceBuffer g, DeviceBuffer[] inputGrads, int rows) {
                long m = (long) rows * perSample;
                for (int k = 0; k < n; k++) {
                    if (inputGrads[k] != null) {
                        for (long r = 0; r < m; r++) {
                            backend.copy(g, r * width + offsets[k], inputGrads[k], r * blocks[k], blocks[k]);
                        }
                    }
                }
            }
        };
    }
}
