package dev.graft;

import dev.graft.spi.ConvGeometry;
import dev.graft.spi.Padding;

/**
 * The sliding window of a convolution or pooling layer, with Keras's defaults: kernel (or pool)
 * size, strides, dilation and padding ({@code valid} or {@code same}, TensorFlow's rule). Built
 * fluently: {@code ConvWindow.of(3).strides(2).same()}.
 *
 * @param height window rows
 * @param width window columns
 * @param strideHeight step between windows, down
 * @param strideWidth step between windows, across
 * @param dilationHeight spacing of the window's rows (1: dense)
 * @param dilationWidth spacing of the window's columns (1: dense)
 * @param padding {@link Padding#VALID} or {@link Padding#SAME}
 */
public record ConvWindow(int height, int width, int strideHeight, int strideWidth, int dilationHeight,
                         int dilationWidth, Padding padding) {

    public ConvWindow {
        if (height < 1 || width < 1 || strideHeight < 1 || strideWidth < 1 || dilationHeight < 1 || dilationWidth < 1) {
            throw new IllegalArgumentException("window size, strides and dilation must be >= 1, got size " + height + "x"
                    + width + ", strides " + strideHeight + "x" + strideWidth + ", dilation " + dilationHeight + "x"
                    + dilationWidth);
        }
        if (padding == null) {
            throw new IllegalArgumentException("padding must be VALID or SAME, got null");
        }
    }

    /** A {@code size × size} window, stride 1, no dilation, {@code valid} padding (Keras's Conv2D defaults). */
    public static ConvWindow of(int size) {
        return of(size, size);
    }

    /** A {@code height × width} window, stride 1, no dilation, {@code valid} padding. */
    public static ConvWindow of(int height, int width) {
        return new ConvWindow(height, width, 1, 1, 1, 1, Padding.VALID);
    }

    /** A {@code size × size} pooling window with stride {@code size} and {@code valid} padding (Keras's pooling defaults). */
    public static ConvWindow pool(int size) {
        return of(size).strides(size);
    }

    /** The same window moving {@code stride} cells in both directions. */
    public ConvWindow strides(int stride) {
        return strides(stride, stride);
    }

    public ConvWindow strides(int strideHeight, int strideWidth) {
        return new ConvWindow(height, width, strideHeight, strideWidth, dilationHeight, dilationWidth, padding);
    }

    /** The same window with its cells {@code dilation} apart in both directions. */
    public ConvWindow dilation(int dilation) {
        return dilation(dilation, dilation);
    }

    public ConvWindow dilation(int dilationHeight, int dilationWidth) {
        return new ConvWindow(height, width, strideHeight, strideWidth, dilationHeight, dilationWidth, padding);
    }

    public ConvWindow padding(Padding padding) {
        return new ConvWindow(height, width, strideHeight, strideWidth, dilationHeight, dilationWidth, padding);
    }

    /** The same window with {@code same} padding (output {@code ceil(in / stride)}). */
    public ConvWindow same() {
        return padding(Padding.SAME);
    }

    /** The geometry of this window over images of shape {@code [h, w, c]}. */
    public ConvGeometry geometry(Shape image) {
        return new ConvGeometry(image.dim(0), image.dim(1), image.dim(2), height, width, strideHeight, strideWidth,
                dilationHeight, dilationWidth, padding);
    }

    /** Keras's spelling of the padding: {@code "valid"} or {@code "same"}. */
    public String paddingName() {
        return padding.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public String toString() {
        return height + "x" + width + (strideHeight == 1 && strideWidth == 1 ? "" : " /" + strideHeight + "x" + strideWidth)
                + (dilationHeight == 1 && dilationWidth == 1 ? "" : " dilated " + dilationHeight + "x" + dilationWidth)
                + " " + paddingName();
    }
}
