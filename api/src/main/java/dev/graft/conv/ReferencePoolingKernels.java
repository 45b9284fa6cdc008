package dev.graft.conv;

import dev.graft.spi.ConvGeometry;
import dev.graft.spi.ZeroPadding;

import static dev.graft.conv.ReferenceConvKernels.check;
import static dev.graft.conv.ReferenceConvKernels.inCol;
import static dev.graft.conv.ReferenceConvKernels.inRow;
import static dev.graft.conv.ReferenceConvKernels.inside;
import static dev.graft.conv.ReferenceConvKernels.pixel;
import static dev.graft.conv.ReferenceConvKernels.toFloat;

/**
 * The pooling and padding oracle over channels-last float arrays, with TensorFlow's semantics:
 * max pooling treats padding cells as −∞ and routes each output gradient to the <em>first</em>
 * maximum of its window in scan order (rows, then columns); average pooling divides by the number
 * of cells inside the image (padding is excluded, so a SAME border window averages fewer cells).
 */
public final class ReferencePoolingKernels {

    private ReferencePoolingKernels() {
    }

    /** MaxPool2D forward, {@code [batch, outHeight, outWidth, channels]}. */
    public static float[] maxPool(ConvGeometry g, int batch, float[] input) {
        check(input, (long) batch * g.inputSize(), "max pool input", g);
        int c = g.channels();
        float[] out = new float[batch * g.outPixels() * c];
        for (int n = 0; n < batch; n++) {
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < g.outWidth(); x++) {
                    int o = ((n * g.outHeight() + y) * g.outWidth() + x) * c;
                    for (int ci = 0; ci < c; ci++) {
                        out[o + ci] = input[firstMax(g, input, n, y, x, ci)];
                    }
                }
            }
        }
        return out;
    }

    /** MaxPool2D's input gradient: each output gradient added to its window's first maximum. */
    public static float[] maxPoolBackward(ConvGeometry g, int batch, float[] input, float[] gradOut) {
        check(input, (long) batch * g.inputSize(), "max pool input", g);
        int c = g.channels();
        check(gradOut, (long) batch * g.outPixels() * c, "max pool output gradient", g);
        double[] grad = new double[input.length];
        for (int n = 0; n < batch; n++) {
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < g.outWidth(); x++) {
                    int o = ((n * g.outHeight() + y) * g.outWidth() + x) * c;
                    for (int ci = 0; ci < c; ci++) {
                        grad[firstMax(g, input, n, y, x, ci)] += gradOut[o + ci];
                    }
                }
            }
        }
        return toFloat(grad);
    }

    /** Index in {@code input} of the first largest in-image value of one output's window and channel. */
    private static int firstMax(ConvGeometry g, float[] input, int n, int y, int x, int ci) {
        int best = -1;
        for (int ky = 0; ky < g.kernelHeight(); ky++) {
            int iy = inRow(g, y, ky);
            for (int kx = 0; kx < g.kernelWidth(); kx++) {
                int ix = inCol(g, x, kx);
                if (inside(g, iy, ix)) {
                    int i = pixel(g, n, iy, ix) + ci;
                    if (best < 0 || input[i] > input[best]) {
                        best = i;
                    }
                }
            }
        }
        return best; // TF's SAME and VALID rules leave at least one in-image cell in every window
    }

    /** AvgPool2D forward: the mean of each window's in-image cells (padding excluded). */
    public static float[] avgPool(ConvGeometry g, int batch, float[] input) {
        check(input, (long) batch * g.inputSize(), "average pool input", g);
        int c = g.channels();
        float[] out = new float[batch * g.outPixels() * c];
        for (int n = 0; n < batch; n++) {
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < g.outWidth(); x++) {
                    int o = ((n * g.outHeight() + y) * g.outWidth() + x) * c;
                    int count = inImageCells(g, y, x);
                    for (int ci = 0; ci < c; ci++) {
                        double sum = 0;
                        for (int ky = 0; ky < g.kernelHeight(); ky++) {
                            int iy = inRow(g, y, ky);
                            for (int kx = 0; kx < g.kernelWidth(); kx++) {
                                int ix = inCol(g, x, kx);
                                if (inside(g, iy, ix)) {
                                    sum += input[pixel(g, n, iy, ix) + ci];
                                }
                            }
                        }
                        out[o + ci] = (float) (sum / count);
                    }
                }
            }
        }
        return out;
    }

    /** AvgPool2D's input gradient: each output gradient shared equally by its window's in-image cells. */
    public static float[] avgPoolBackward(ConvGeometry g, int batch, float[] gradOut) {
        int c = g.channels();
        check(gradOut, (long) batch * g.outPixels() * c, "average pool output gradient", g);
        double[] grad = new double[batch * g.inputSize()];
        for (int n = 0; n < batch; n++) {
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < g.outWidth(); x++) {
                    int o = ((n * g.outHeight() + y) * g.outWidth() + x) * c;
                    double share = 1.0 / inImageCells(g, y, x);
                    for (int ky = 0; ky < g.kernelHeight(); ky++) {
                        int iy = inRow(g, y, ky);
                        for (int kx = 0; kx < g.kernelWidth(); kx++) {
                            int ix = inCol(g, x, kx);
                            if (inside(g, iy, ix)) {
                                for (int ci = 0; ci < c; ci++) {
                                    grad[pixel(g, n, iy, ix) + ci] += gradOut[o + ci] * share;
                                }
                            }
                        }
                    }
                }
            }
        }
        return toFloat(grad);
    }

    /** Number of window cells of output (y, x) that lie inside the image. */
    static int inImageCells(ConvGeometry g, int y, int x) {
        int rows = 0;
        for (int ky = 0; ky < g.kernelHeight(); ky++) {
            int iy = inRow(g, y, ky);
            rows += iy >= 0 && iy < g.inHeight() ? 1 : 0;
        }
        int cols = 0;
        for (int kx = 0; kx < g.kernelWidth(); kx++) {
            int ix = inCol(g, x, kx);
            cols += ix >= 0 && ix < g.inWidth() ? 1 : 0;
        }
        return rows * cols;
    }

    /** GlobalAveragePooling2D forward: per image and channel, the mean over all pixels; {@code [batch, channels]}. */
    public static float[] globalAvgPool(int batch, int height, int width, int channels, float[] input) {
        int pixels = height * width;
        check(input, (long) batch * pixels * channels, "global average pool input", shape(height, width, channels));
        float[] out = new float[batch * channels];
        for (int n = 0; n < batch; n++) {
            for (int ci = 0; ci < channels; ci++) {
                double sum = 0;
                for (int p = 0; p < pixels; p++) {
                    sum += input[(n * pixels + p) * channels + ci];
                }
                out[n * channels + ci] = (float) (sum / pixels);
            }
        }
        return out;
    }

    /** GlobalAveragePooling2D's input gradient: each {@code [batch, channels]} gradient spread evenly over the pixels. */
    public static float[] globalAvgPoolBackward(int batch, int height, int width, int channels, float[] gradOut) {
        check(gradOut, (long) batch * channels, "global average pool output gradient", shape(height, width, channels));
        int pixels = height * width;
        float[] grad = new float[batch * pixels * channels];
        for (int n = 0; n < batch; n++) {
            for (int p = 0; p < pixels; p++) {
                for (int ci = 0; ci < channels; ci++) {
                    grad[(n * pixels + p) * channels + ci] = (float) ((double) gradOut[n * channels + ci] / pixels);
                }
            }
        }
        return grad;
    }

    /** ZeroPadding2D forward: each image copied into the middle of a larger zero image. */
    public static float[] zeroPad(ZeroPadding pad, int batch, int height, int width, int channels, float[] input) {
        check(input, (long) batch * height * width * channels, "zero padding input", shape(height, width, channels));
        int oh = pad.outHeight(height);
        int ow = pad.outWidth(width);
        float[] out = new float[batch * oh * ow * channels];
        for (int n = 0; n < batch; n++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    for (int ci = 0; ci < channels; ci++) {
                        out[((n * oh + y + pad.top()) * ow + x + pad.left()) * channels + ci] =
                                input[((n * height + y) * width + x) * channels + ci];
                    }
                }
            }
        }
        return out;
    }

    /** ZeroPadding2D's input gradient: the middle of each padded gradient image. */
    public static float[] zeroPadBackward(ZeroPadding pad, int batch, int height, int width, int channels,
                                          float[] gradOut) {
        int oh = pad.outHeight(height);
        int ow = pad.outWidth(width);
        check(gradOut, (long) batch * oh * ow * channels, "zero padding output gradient", shape(height, width, channels));
        float[] grad = new float[batch * height * width * channels];
        for (int n = 0; n < batch; n++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    for (int ci = 0; ci < channels; ci++) {
                        grad[((n * height + y) * width + x) * channels + ci] =
                                gradOut[((n * oh + y + pad.top()) * ow + x + pad.left()) * channels + ci];
                    }
                }
            }
        }
        return grad;
    }

    private static String shape(int height, int width, int channels) {
        return "input " + height + "x" + width + "x" + channels;
    }
}
