package dev.graft.spi;

/**
 * The spatial shape of one sliding-window operation over channels-last images (NHWC): the input's
 * height, width and channels, the window (kernel or pool) size, strides, dilation and padding.
 * Output size and padding follow TensorFlow exactly: {@code VALID} gives
 * {@code ceil((in − (k−1)·d) / s)} positions, {@code SAME} gives {@code ceil(in / s)}; the total
 * padding is {@code max((out−1)·s + (k−1)·d + 1 − in, 0)}, of which {@code total / 2} goes before
 * (top/left) and the rest after, the asymmetric rule for even kernels and strides.
 *
 * <p>Shared by {@code Conv2D}, {@code DepthwiseConv2D} and the pooling layers (pooling has dilation
 * 1, see {@link #pool}). The constructor refuses a geometry that has no output, naming it.
 *
 * @param inHeight input rows per image
 * @param inWidth input columns per image
 * @param channels input channels per pixel
 * @param kernelHeight window rows
 * @param kernelWidth window columns
 * @param strideHeight step between window rows
 * @param strideWidth step between window columns
 * @param dilationHeight spacing of the window's rows (1: dense)
 * @param dilationWidth spacing of the window's columns (1: dense)
 * @param padding {@link Padding#VALID} or {@link Padding#SAME}
 */
public record ConvGeometry(int inHeight, int inWidth, int channels, int kernelHeight, int kernelWidth,
                           int strideHeight, int strideWidth, int dilationHeight, int dilationWidth,
                           Padding padding) {

    public ConvGeometry {
        if (padding == null) {
            throw new IllegalArgumentException("padding must be VALID or SAME, got null");
        }
        if (inHeight < 1 || inWidth < 1 || channels < 1) {
            throw new IllegalArgumentException("input must be at least 1x1x1, got " + describe(inHeight, inWidth,
                    channels, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, padding));
        }
        if (kernelHeight < 1 || kernelWidth < 1 || strideHeight < 1 || strideWidth < 1
                || dilationHeight < 1 || dilationWidth < 1) {
            throw new IllegalArgumentException("kernel size, strides and dilation must be >= 1, got "
                    + describe(inHeight, inWidth, channels, kernelHeight, kernelWidth, strideHeight, strideWidth,
                    dilationHeight, dilationWidth, padding));
        }
        if (padding == Padding.VALID && (effective(kernelHeight, dilationHeight) > inHeight
                || effective(kernelWidth, dilationWidth) > inWidth)) {
            throw new IllegalArgumentException("a " + effective(kernelHeight, dilationHeight) + "x"
                    + effective(kernelWidth, dilationWidth) + " window (kernel with dilation) does not fit a "
                    + inHeight + "x" + inWidth + " input with 'valid' padding: "
                    + describe(inHeight, inWidth, channels, kernelHeight, kernelWidth, strideHeight, strideWidth,
                    dilationHeight, dilationWidth, padding) + " (use 'same' padding or a smaller kernel)");
        }
    }

    /** A convolution geometry with equal strides and dilation in both directions. */
    public static ConvGeometry conv(int inHeight, int inWidth, int channels, int kernelHeight, int kernelWidth,
                                    int stride, int dilation, Padding padding) {
        return new ConvGeometry(inHeight, inWidth, channels, kernelHeight, kernelWidth, stride, stride,
                dilation, dilation, padding);
    }

    /** A pooling geometry (dilation 1): Keras's {@code pool_size}, {@code strides}, {@code padding}. */
    public static ConvGeometry pool(int inHeight, int inWidth, int channels, int poolHeight, int poolWidth,
                                    int strideHeight, int strideWidth, Padding padding) {
        return new ConvGeometry(inHeight, inWidth, channels, poolHeight, poolWidth, strideHeight, strideWidth,
                1, 1, padding);
    }

    /** Output rows per image. */
    public int outHeight() {
        return outSize(inHeight, kernelHeight, strideHeight, dilationHeight);
    }

    /** Output columns per image. */
    public int outWidth() {
        return outSize(inWidth, kernelWidth, strideWidth, dilationWidth);
    }

    /** Zero rows added above the image (the smaller half of the total). */
    public int padTop() {
        return totalPad(inHeight, outHeight(), kernelHeight, strideHeight, dilationHeight) / 2;
    }

    /** Zero rows added below the image (the larger half: TF's asymmetric rule). */
    public int padBottom() {
        return totalPad(inHeight, outHeight(), kernelHeight, strideHeight, dilationHeight) - padTop();
    }

    /** Zero columns added left of the image. */
    public int padLeft() {
        return totalPad(inWidth, outWidth(), kernelWidth, strideWidth, dilationWidth) / 2;
    }

    /** Zero columns added right of the image. */
    public int padRight() {
        return totalPad(inWidth, outWidth(), kernelWidth, strideWidth, dilationWidth) - padLeft();
    }

    /** Floats in one input image: {@code inHeight · inWidth · channels}. */
    public int inputSize() {
        return inHeight * inWidth * channels;
    }

    /** Window cells: {@code kernelHeight · kernelWidth}. */
    public int windowSize() {
        return kernelHeight * kernelWidth;
    }

    /** Output pixels per image: {@code outHeight · outWidth}. */
    public int outPixels() {
        return outHeight() * outWidth();
    }

    private int outSize(int in, int k, int stride, int dilation) {
        int span = padding == Padding.SAME ? in : in - effective(k, dilation) + 1;
        return (span + stride - 1) / stride;
    }

    private static int totalPad(int in, int out, int k, int stride, int dilation) {
        return Math.max((out - 1) * stride + effective(k, dilation) - in, 0);
    }

    private static int effective(int k, int dilation) {
        return (k - 1) * dilation + 1;
    }

    @Override
    public String toString() {
        return describe(inHeight, inWidth, channels, kernelHeight, kernelWidth, strideHeight, strideWidth,
                dilationHeight, dilationWidth, padding);
    }

    private static String describe(int h, int w, int c, int kh, int kw, int sh, int sw, int dh, int dw, Padding p) {
        return "input " + h + "x" + w + "x" + c + ", window " + kh + "x" + kw + ", strides " + sh + "x" + sw
                + ", dilation " + dh + "x" + dw + ", padding " + (p == null ? "null" : p.name().toLowerCase());
    }
}
