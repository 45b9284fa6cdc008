package dev.graft.conv;

import dev.graft.spi.ConvGeometry;

/**
 * The convolution oracle: Conv2D and DepthwiseConv2D forward and backward as direct loops over
 * channels-last ({@code [batch, height, width, channels]}, row-major) float arrays, accumulating
 * in double. Kernels use TensorFlow's layouts: Conv2D {@code [kh, kw, in, out]}, DepthwiseConv2D
 * {@code [kh, kw, in, multiplier]} whose output channel {@code c·multiplier + m} is input channel
 * {@code c} under kernel slice {@code m}. Every faster backend is tested against these loops, so
 * they favour being plainly right over being fast.
 */
public final class ReferenceConvKernels {

    private ReferenceConvKernels() {
    }

    /**
     * Conv2D forward: {@code out[n, oh, ow, f] = bias[f] + Σ x[n, ih, iw, c] · k[kh, kw, c, f]}
     * with {@code ih = oh·strideH − padTop + kh·dilationH} (cells outside the image are zero).
     *
     * @param bias {@code [filters]}, or null for none
     * @return {@code [batch, outHeight, outWidth, filters]}
     */
    public static float[] conv2d(ConvGeometry g, int batch, float[] input, float[] kernel, int filters, float[] bias) {
        check(input, (long) batch * g.inputSize(), "conv2d input", g);
        check(kernel, (long) g.windowSize() * g.channels() * filters, "conv2d kernel [kh, kw, in, out]", g);
        if (bias != null) {
            check(bias, filters, "conv2d bias", g);
        }
        int oh = g.outHeight();
        int ow = g.outWidth();
        int c = g.channels();
        float[] out = new float[batch * oh * ow * filters];
        for (int n = 0; n < batch; n++) {
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    for (int f = 0; f < filters; f++) {
                        double acc = bias == null ? 0 : bias[f];
                        for (int ky = 0; ky < g.kernelHeight(); ky++) {
                            int iy = inRow(g, y, ky);
                            for (int kx = 0; kx < g.kernelWidth(); kx++) {
                                int ix = inCol(g, x, kx);
                                if (inside(g, iy, ix)) {
                                    for (int ci = 0; ci < c; ci++) {
                                        acc += (double) input[pixel(g, n, iy, ix) + ci]
                                                * kernel[((ky * g.kernelWidth() + kx) * c + ci) * filters + f];
                                    }
                                }
                            }
                        }
                        out[((n * oh + y) * ow + x) * filters + f] = (float) acc;
                    }
                }
            }
        }
        return out;
    }

    /** Conv2D's gradient with respect to its input, {@code [batch, inHeight, inWidth, channels]}. */
    public static float[] conv2dBackwardInput(ConvGeometry g, int batch, float[] gradOut, float[] kernel, int filters) {
        check(gradOut, (long) batch * g.outPixels() * filters, "conv2d output gradient", g);
        check(kernel, (long) g.windowSize() * g.channels() * filters, "conv2d kernel [kh, kw, in, out]", g);
        int c = g.channels();
        double[] grad = new double[batch * g.inputSize()];
        for (int n = 0; n < batch; n++) {
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < g.outWidth(); x++) {
                    int o = ((n * g.outHeight() + y) * g.outWidth() + x) * filters;
                    for (int ky = 0; ky < g.kernelHeight(); ky++) {
                        int iy = inRow(g, y, ky);
                        for (int kx = 0; kx < g.kernelWidth(); kx++) {
                            int ix = inCol(g, x, kx);
                            if (!inside(g, iy, ix)) {
                                continue;
                            }
                            for (int ci = 0; ci < c; ci++) {
                                int k = ((ky * g.kernelWidth() + kx) * c + ci) * filters;
                                double acc = 0;
                                for (int f = 0; f < filters; f++) {
                                    acc += (double) gradOut[o + f] * kernel[k + f];
                                }
                                grad[pixel(g, n, iy, ix) + ci] += acc;
                            }
                        }
                    }
                }
            }
        }
        return toFloat(grad);
    }

    /** Conv2D's gradient with respect to its kernel, {@code [kh, kw, in, out]}. */
    public static float[] conv2dBackwardKernel(ConvGeometry g, int batch, float[] input, float[] gradOut, int filters) {
        check(input, (long) batch * g.inputSize(), "conv2d input", g);
        check(gradOut, (long) batch * g.outPixels() * filters, "conv2d output gradient", g);
        int c = g.channels();
        double[] grad = new double[g.windowSize() * c * filters];
        for (int n = 0; n < batch; n++) {
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < g.outWidth(); x++) {
                    int o = ((n * g.outHeight() + y) * g.outWidth() + x) * filters;
                    for (int ky = 0; ky < g.kernelHeight(); ky++) {
                        int iy = inRow(g, y, ky);
                        for (int kx = 0; kx < g.kernelWidth(); kx++) {
                            int ix = inCol(g, x, kx);
                            if (!inside(g, iy, ix)) {
                                continue;
                            }
                            for (int ci = 0; ci < c; ci++) {
                                double v = input[pixel(g, n, iy, ix) + ci];
                                int k = ((ky * g.kernelWidth() + kx) * c + ci) * filters;
                                for (int f = 0; f < filters; f++) {
                                    grad[k + f] += v * gradOut[o + f];
                                }
                            }
                        }
                    }
                }
            }
        }
        return toFloat(grad);
    }

    /**
     * The bias gradient of Conv2D or DepthwiseConv2D: the output gradient summed over every batch
     * row and pixel, {@code [channels]} from {@code gradOut [rows, channels]}.
     */
    public static float[] biasGradient(float[] gradOut, int rows, int channels) {
        if (gradOut.length < (long) rows * channels) {
            throw new IllegalArgumentException("bias gradient needs " + rows + "x" + channels
                    + " output gradients, got " + gradOut.length);
        }
        double[] sum = new double[channels];
        for (int r = 0; r < rows; r++) {
            for (int f = 0; f < channels; f++) {
                sum[f] += gradOut[r * channels + f];
            }
        }
        return toFloat(sum);
    }

    /**
     * DepthwiseConv2D forward: {@code out[n, oh, ow, c·M + m] = bias[c·M + m]
     * + Σ x[n, ih, iw, c] · k[kh, kw, c, m]}.
     *
     * @param multiplier Keras's {@code depth_multiplier} M
     * @param bias {@code [channels · M]}, or null for none
     * @return {@code [batch, outHeight, outWidth, channels · M]}
     */
    public static float[] depthwiseConv2d(ConvGeometry g, int batch, float[] input, float[] kernel, int multiplier,
                                          float[] bias) {
        int c = g.channels();
        int outC = c * multiplier;
        check(input, (long) batch * g.inputSize(), "depthwise input", g);
        check(kernel, (long) g.windowSize() * outC, "depthwise kernel [kh, kw, in, multiplier]", g);
        if (bias != null) {
            check(bias, outC, "depthwise bias", g);
        }
        float[] out = new float[batch * g.outPixels() * outC];
        for (int n = 0; n < batch; n++) {
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < g.outWidth(); x++) {
                    int o = ((n * g.outHeight() + y) * g.outWidth() + x) * outC;
                    for (int oc = 0; oc < outC; oc++) {
                        double acc = bias == null ? 0 : bias[oc];
                        int ci = oc / multiplier;
                        for (int ky = 0; ky < g.kernelHeight(); ky++) {
                            int iy = inRow(g, y, ky);
                            for (int kx = 0; kx < g.kernelWidth(); kx++) {
                                int ix = inCol(g, x, kx);
                                if (inside(g, iy, ix)) {
                                    acc += (double) input[pixel(g, n, iy, ix) + ci]
                                            * kernel[(ky * g.kernelWidth() + kx) * outC + oc];
                                }
                            }
                        }
                        out[o + oc] = (float) acc;
                    }
                }
            }
        }
        return out;
    }

    /** DepthwiseConv2D's gradient with respect to its input, {@code [batch, inHeight, inWidth, channels]}. */
    public static float[] depthwiseBackwardInput(ConvGeometry g, int batch, float[] gradOut, float[] kernel,
                                                 int multiplier) {
        int outC = g.channels() * multiplier;
        check(gradOut, (long) batch * g.outPixels() * outC, "depthwise output gradient", g);
        check(kernel, (long) g.windowSize() * outC, "depthwise kernel [kh, kw, in, multiplier]", g);
        double[] grad = new double[batch * g.inputSize()];
        for (int n = 0; n < batch; n++) {
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < g.outWidth(); x++) {
                    int o = ((n * g.outHeight() + y) * g.outWidth() + x) * outC;
                    for (int ky = 0; ky < g.kernelHeight(); ky++) {
                        int iy = inRow(g, y, ky);
                        for (int kx = 0; kx < g.kernelWidth(); kx++) {
                            int ix = inCol(g, x, kx);
                            if (inside(g, iy, ix)) {
                                for (int oc = 0; oc < outC; oc++) {
                                    grad[pixel(g, n, iy, ix) + oc / multiplier] += (double) gradOut[o + oc]
                                            * kernel[(ky * g.kernelWidth() + kx) * outC + oc];
                                }
                            }
                        }
                    }
                }
            }
        }
        return toFloat(grad);
    }

    /** DepthwiseConv2D's gradient with respect to its kernel, {@code [kh, kw, in, multiplier]}. */
    public static float[] depthwiseBackwardKernel(ConvGeometry g, int batch, float[] input, float[] gradOut,
                                                  int multiplier) {
        int outC = g.channels() * multiplier;
        check(input, (long) batch * g.inputSize(), "depthwise input", g);
        check(gradOut, (long) batch * g.outPixels() * outC, "depthwise output gradient", g);
        double[] grad = new double[g.windowSize() * outC];
        for (int n = 0; n < batch; n++) {
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < g.outWidth(); x++) {
                    int o = ((n * g.outHeight() + y) * g.outWidth() + x) * outC;
                    for (int ky = 0; ky < g.kernelHeight(); ky++) {
                        int iy = inRow(g, y, ky);
                        for (int kx = 0; kx < g.kernelWidth(); kx++) {
                            int ix = inCol(g, x, kx);
                            if (inside(g, iy, ix)) {
                                for (int oc = 0; oc < outC; oc++) {
                                    grad[(ky * g.kernelWidth() + kx) * outC + oc] +=
                                            (double) input[pixel(g, n, iy, ix) + oc / multiplier] * gradOut[o + oc];
                                }
                            }
                        }
                    }
                }
            }
        }
        return toFloat(grad);
    }

    static int inRow(ConvGeometry g, int outRow, int ky) {
        return outRow * g.strideHeight() - g.padTop() + ky * g.dilationHeight();
    }

    static int inCol(ConvGeometry g, int outCol, int kx) {
        return outCol * g.strideWidth() - g.padLeft() + kx * g.dilationWidth();
    }

    static boolean inside(ConvGeometry g, int row, int col) {
        return row >= 0 && row < g.inHeight() && col >= 0 && col < g.inWidth();
    }

    /** Offset of channel 0 of pixel (row, col) of image n. */
    static int pixel(ConvGeometry g, int n, int row, int col) {
        return ((n * g.inHeight() + row) * g.inWidth() + col) * g.channels();
    }

    static void check(float[] array, long needed, String what, Object geometry) {
        if (array == null || array.length != needed) {
            throw new IllegalArgumentException(what + " must hold " + needed + " floats for " + geometry + ", got "
                    + (array == null ? "null" : array.length));
        }
    }

    static float[] toFloat(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
