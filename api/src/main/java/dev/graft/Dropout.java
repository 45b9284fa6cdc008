package dev.graft;

import dev.graft.exec.LayerOp;
import dev.graft.exec.OpContext;
import dev.graft.exec.Pass;
import dev.graft.spi.Backend;
import dev.graft.spi.DeviceBuffer;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

/**
 * Inverted dropout: while training, each activation is zeroed with probability {@code rate} and
 * the survivors are scaled by {@code 1 / (1 - rate)}; at inference (and whenever the layer is
 * frozen) it is the identity. Masks come from {@link dev.graft.spi.DropoutMask} with the seed the
 * executor passes, so every backend draws the same ones.
 */
public record Dropout(String name, Shape shape, float rate, boolean trainable) implements Layer {

    /** The description type. */
    public static final String TYPE = "dropout";

    public Dropout {
        Model.checkName(name);
        if (shape == null) {
            throw new IllegalArgumentException("layer '" + name + "': shape is required");
        }
        if (!(rate >= 0f && rate < 1f)) {
            throw new IllegalArgumentException("layer '" + name + "': dropout rate must be in [0, 1), got " + rate);
        }
    }

    /** Dropout over vectors of {@code width} values. */
    public Dropout(String name, int width, float rate, boolean trainable) {
        this(name, vector(name, width), rate, trainable);
    }

    private static Shape vector(String name, int width) {
        if (width <= 0) {
            throw new IllegalArgumentException("layer '" + name + "': width must be positive, got " + width);
        }
        return Shape.vector(width);
    }

    /** A dropout layer to be placed by surgery or a builder; its shape follows the layer below. */
    public static LayerSpec spec(String name, float rate) {
        return new ShapeOnlySpec(name, inputShape -> new Dropout(name, inputShape, rate, true));
    }

    /** Reads {@code dropout(rate)} descriptions. */
    public static final class Type implements LayerType {
        @Override public String type() { return TYPE; }

        @Override
        public Layer create(String name, Shape inputShape, LayerDescription d, Map<String, float[]> p, boolean trainable) {
            Layers.checkNames(new Dropout(name, inputShape, 0f, trainable), p);
            return new Dropout(name, inputShape, (float) d.number("rate"), trainable);
        }
    }

    /** Values per sample. */
    public int width() { return shape.size(); }

    @Override public Shape inputShape() { return shape; }
    @Override public Shape outputShape() { return shape; }
    @Override public List<Parameter> parameters() { return List.of(); }
    @Override public long parameterCount() { return 0; }

    @Override
    public FloatBuffer parameterView(String parameter) {
        throw new IllegalArgumentException(parameter(parameter).name());
    }

    @Override
    public Dropout withParameters(Map<String, float[]> values) {
        Layers.checkNames(this, values);
        return this;
    }

    @Override
    public LayerDescription description() {
        return LayerDescription.of(TYPE).with("rate", rate);
    }

    @Override
    public Dropout withTrainable(boolean trainable) {
        return new Dropout(name, shape, rate, trainable);
    }

    @Override
    public Dropout withName(String newName) {
        return new Dropout(newName, shape, rate, trainable);
    }

    @Override
    public LayerOp op(OpContext context) {
        Backend backend = context.backend();
        long max = (long) context.maxBatch() * width();
        DeviceBuffer mask = context.trains() && trainable && rate > 0f ? context.allocate(max) : null;
        return new LayerOp() {
            private boolean masked;

            @Override
            public void forward(DeviceBuffer input, DeviceBuffer output, int rows, Pass pass) {
                long n = (long) rows * width();
                backend.copy(input, 0, output, 0, n);
                masked = mask != null && pass.training();
                if (masked) {
                    backend.dropout(output, mask, n, rate, pass.seed());
                }
            }

            @Override
            public void backward(DeviceBuffer input, DeviceBuffer output, DeviceBuffer g, DeviceBuffer inputGrad, int rows) {
                if (inputGrad == null) {
                    return;
                }
                long n = (long) rows * width();
                backend.copy(g, 0, inputGrad, 0, n);
                if (masked) {
                    backend.multiply(inputGrad, mask, n);
                }
            }
        };
    }
}
