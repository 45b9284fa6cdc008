package dev.graft;

import dev.graft.spi.ConvGeometry;
import dev.graft.spi.Padding;
import java.util.List;

/** Shape checks and description helpers shared by the convolutional layer types. */
final class ConvLayers {

    private ConvLayers() {
    }

    /** The input shape if it is an image {@code [h, w, c]}, else an error naming the layer. */
    static Shape image(String layer, String type, Shape input) {
        if (input == null || input.rank() != 3) {
            throw new IllegalArgumentException("layer '" + layer + "' (" + type + ") takes images [height, width, channels]"
                    + " per sample, but its input shape is " + input
                    + (input != null && input.rank() == 1 ? ": give the model an image input shape, e.g. Shape.of(28, 28, 1)" : ""));
        }
        return input;
    }

    /** The geometry of {@code window} over {@code input}; an error names the layer when the window does not fit. */
    static ConvGeometry geometry(String layer, String type, Shape input, ConvWindow window) {
        try {
            return window.geometry(image(layer, type, input));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("layer '" + layer + "' (" + type + "): " + e.getMessage(), e);
        }
    }

    /** A {@code [h, w]} list entry of a description as two ints. */
    static int[] ints(LayerDescription d, String key, int count) {
        List<?> list = d.list(key);
        if (list.size() != count) {
            throw new IllegalArgumentException("layer description '" + d.type() + "': '" + key + "' is " + list
                    + ", expected " + count + " whole numbers");
        }
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            if (!(list.get(i) instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
                    || Math.abs(n.doubleValue()) > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("layer description '" + d.type() + "': '" + key + "' is " + list
                        + ", expected " + count + " whole numbers");
            }
            out[i] = ((Number) list.get(i)).intValue();
        }
        return out;
    }

    /** The window of a convolution description: {@code kernel_size}, {@code strides}, {@code padding}, {@code dilation_rate}. */
    static ConvWindow convWindow(LayerDescription d) {
        int[] k = ints(d, "kernel_size", 2);
        int[] s = ints(d, "strides", 2);
        int[] r = ints(d, "dilation_rate", 2);
        return new ConvWindow(k[0], k[1], s[0], s[1], r[0], r[1], Padding.parse(d.string("padding")));
    }

    /** {@code d} with a convolution window's {@code kernel_size}, {@code strides}, {@code padding} and {@code dilation_rate}. */
    static LayerDescription withConvWindow(LayerDescription d, ConvWindow w) {
        return d.with("kernel_size", List.of(w.height(), w.width()))
                .with("strides", List.of(w.strideHeight(), w.strideWidth()))
                .with("padding", w.paddingName())
                .with("dilation_rate", List.of(w.dilationHeight(), w.dilationWidth()));
    }

    /** The window of a pooling description: {@code pool_size}, {@code strides}, {@code padding}. */
    static ConvWindow poolWindow(LayerDescription d) {
        int[] k = ints(d, "pool_size", 2);
        int[] s = ints(d, "strides", 2);
        return new ConvWindow(k[0], k[1], s[0], s[1], 1, 1, Padding.parse(d.string("padding")));
    }

    /** A pooling description of {@code type}: {@code pool_size}, {@code strides}, {@code padding}. */
    static LayerDescription describePool(String type, ConvWindow w) {
        return LayerDescription.of(type).with("pool_size", List.of(w.height(), w.width()))
                .with("strides", List.of(w.strideHeight(), w.strideWidth())).with("padding", w.paddingName());
    }

    /** Output shape {@code [outH, outW, channels]} of a geometry. */
    static Shape output(ConvGeometry g, int channels) {
        return Shape.of(g.outHeight(), g.outWidth(), channels);
    }

    /** Refuses a pooling window with dilation (pooling has none). */
    static ConvWindow undilated(String layer, String type, ConvWindow w) {
        if (w.dilationHeight() != 1 || w.dilationWidth() != 1) {
            throw new IllegalArgumentException("layer '" + layer + "' (" + type + "): pooling has no dilation, got " + w);
        }
        return w;
    }
}
