package dev.graft;

import dev.graft.exec.LayerOp;
import dev.graft.exec.OpContext;
import dev.graft.spi.PoolingKernels;
import dev.graft.spi.ZeroPadding;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Adds zero rows above and below and zero columns left and right of each channels-last image
 * (Keras's {@code ZeroPadding2D}, e.g. before a strided {@code valid} convolution in MobileNet).
 * No parameters.
 */
public final class ZeroPadding2D extends ParameterlessLayer {

    /** The description type. */
    public static final String TYPE = "zero_padding2d";

    private final ZeroPadding padding;

    /** Pads images of {@code inputShape} ({@code [h, w, c]}) by {@code padding}. */
    public ZeroPadding2D(String name, Shape inputShape, ZeroPadding padding, boolean trainable) {
        super(name, ConvLayers.image(name, TYPE, inputShape), trainable);
        this.padding = Objects.requireNonNull(padding, "padding");
    }

    /** Pads {@code amount} zeros on every side. */
    public static LayerSpec spec(String name, int amount) {
        return spec(name, new ZeroPadding(amount, amount, amount, amount));
    }

    /** A padding layer to be placed by a builder or surgery. */
    public static LayerSpec spec(String name, ZeroPadding padding) {
        return new ShapeOnlySpec(name, inputShape -> new ZeroPadding2D(name, inputShape, padding, true));
    }

    /** Reads {@code zero_padding2d} descriptions ({@code padding: [top, bottom, left, right]}). */
    public static final class Type implements LayerType {
        @Override public String type() { return TYPE; }

        @Override
        public Layer create(String name, Shape inputShape, LayerDescription d, Map<String, float[]> p, boolean trainable) {
            int[] pad = ConvLayers.ints(d, "padding", 4);
            return Layers.checkNames(
                    new ZeroPadding2D(name, inputShape, new ZeroPadding(pad[0], pad[1], pad[2], pad[3]), trainable), p);
        }
    }

    public ZeroPadding padding() { return padding; }

    @Override
    public Shape outputShape() {
        return Shape.of(padding.outHeight(inputShape().dim(0)), padding.outWidth(inputShape().dim(1)), inputShape().dim(2));
    }

    @Override
    public LayerDescription description() {
        return LayerDescription.of(TYPE).with("padding",
                List.of(padding.top(), padding.bottom(), padding.left(), padding.right()));
    }

    @Override
    public ZeroPadding2D withTrainable(boolean trainable) {
        return new ZeroPadding2D(name(), inputShape(), padding, trainable);
    }

    @Override
    public ZeroPadding2D withName(String newName) {
        return new ZeroPadding2D(newName, inputShape(), padding, trainable());
    }

    @Override
    public LayerOp op(OpContext context) {
        PoolingKernels pool = context.kernels(PoolingKernels.class);
        int h = inputShape().dim(0);
        int w = inputShape().dim(1);
        int c = inputShape().dim(2);
        return new ParameterlessOp((input, output, rows) -> pool.zeroPad(padding, rows, h, w, c, input, output),
                (input, g, inputGrad, rows) -> pool.zeroPadBackward(padding, rows, h, w, c, g, inputGrad));
    }
}
