package dev.graft.cpu;

import dev.graft.spi.ConvGeometry;
import java.nio.FloatBuffer;

/**
 * DepthwiseConv2D as direct loops: each output channel sees one input channel, so there is no
 * inner product long enough for a GEMM. Each image is staged on the heap and every window cell
 * contributes one flat multiply-add over the pixel's {@code channels·multiplier} outputs, a loop
 * over contiguous memory that C2 vectorises. Kernel layout {@code [kh, kw, in, multiplier]},
 * output channel {@code c·multiplier + m}.
 */
final class CpuDepthwise {

    private CpuDepthwise() {
    }

    static void forward(ConvGeometry g, int batch, FloatBuffer input, FloatBuffer kernel, int multiplier,
                        FloatBuffer bias, FloatBuffer output, CpuConvStaging s) {
        int outC = g.channels() * multiplier;
        int window = g.windowSize();
        float[] k = s.weights(window * outC + outC);
        kernel.get(0, k, 0, window * outC);
        int biasAt = window * outC;
        if (bias != null) {
            bias.get(0, k, biasAt, outC);
        } else {
            java.util.Arrays.fill(k, biasAt, biasAt + outC, 0f);
        }
        float[] wide = multiplier == 1 ? null : s.tile(0, outC);
        float[] img = s.image(g.inputSize());
        int outImage = g.outPixels() * outC;
        float[] out = s.block(outImage);
        for (int n = 0; n < batch; n++) {
            input.get(n * g.inputSize(), img, 0, g.inputSize());
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < g.outWidth(); x++) {
                    int o = (y * g.outWidth() + x) * outC;
                    System.arraycopy(k, biasAt, out, o, outC);
                    for (int ky = 0; ky < g.kernelHeight(); ky++) {
                        int iy = y * g.strideHeight() - g.padTop() + ky * g.dilationHeight();
                        if (iy < 0 || iy >= g.inHeight()) {
                            continue;
                        }
                        for (int kx = 0; kx < g.kernelWidth(); kx++) {
                            int ix = x * g.strideWidth() - g.padLeft() + kx * g.dilationWidth();
                            if (ix < 0 || ix >= g.inWidth()) {
                                continue;
                            }
                            int p = (iy * g.inWidth() + ix) * g.channels();
                            int w = (ky * g.kernelWidth() + kx) * outC;
                            if (wide == null) {
                                multiplyAdd(out, o, img, p, k, w, outC);
                            } else {
                                widen(img, p, g.channels(), multiplier, wide);
                                multiplyAdd(out, o, wide, 0, k, w, outC);
                            }
                        }
                    }
                }
            }
            output.put(n * outImage, out, 0, outImage);
        }
    }

    /** Writes the input gradient. */
    static void backwardInput(ConvGeometry g, int batch, FloatBuffer gradOut, FloatBuffer kernel, int multiplier,
                              FloatBuffer gradInput, CpuConvStaging s) {
        int c = g.channels();
        int outC = c * multiplier;
        float[] k = s.weights(g.windowSize() * outC);
        kernel.get(0, k, 0, g.windowSize() * outC);
        float[] product = s.tile(0, outC);
        int outImage = g.outPixels() * outC;
        float[] dy = s.block(outImage);
        for (int n = 0; n < batch; n++) {
            gradOut.get(n * outImage, dy, 0, outImage);
            float[] dx = s.zeroedOther(g.inputSize());
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < g.outWidth(); x++) {
                    int o = (y * g.outWidth() + x) * outC;
                    for (int ky = 0; ky < g.kernelHeight(); ky++) {
                        int iy = y * g.strideHeight() - g.padTop() + ky * g.dilationHeight();
                        if (iy < 0 || iy >= g.inHeight()) {
                            continue;
                        }
                        for (int kx = 0; kx < g.kernelWidth(); kx++) {
                            int ix = x * g.strideWidth() - g.padLeft() + kx * g.dilationWidth();
                            if (ix < 0 || ix >= g.inWidth()) {
                                continue;
                            }
                            int p = (iy * g.inWidth() + ix) * c;
                            int w = (ky * g.kernelWidth() + kx) * outC;
                            if (multiplier == 1) {
                                multiplyAdd(dx, p, dy, o, k, w, c);
                            } else {
                                for (int i = 0; i < outC; i++) {
                                    product[i] = dy[o + i] * k[w + i];
                                }
                                for (int ci = 0; ci < c; ci++) {
                                    float sum = 0;
                                    for (int m = 0; m < multiplier; m++) {
                                        sum += product[ci * multiplier + m];
                                    }
                                    dx[p + ci] += sum;
                                }
                            }
                        }
                    }
                }
            }
            gradInput.put(n * g.inputSize(), dx, 0, g.inputSize());
        }
    }

    /** Writes the kernel gradient; each image's float partial sums are folded into double. */
    static void backwardKernel(ConvGeometry g, int batch, FloatBuffer input, FloatBuffer gradOut, int multiplier,
                               FloatBuffer gradKernel, CpuConvStaging s) {
        int outC = g.channels() * multiplier;
        int size = g.windowSize() * outC;
        double[] total = s.accumulators(size);
        float[] img = s.image(g.inputSize());
        float[] wide = multiplier == 1 ? null : s.tile(0, outC);
        float[] partial = s.tile(1, size);
        int outImage = g.outPixels() * outC;
        float[] dy = s.block(outImage);
        for (int n = 0; n < batch; n++) {
            input.get(n * g.inputSize(), img, 0, g.inputSize());
            gradOut.get(n * outImage, dy, 0, outImage);
            java.util.Arrays.fill(partial, 0, size, 0f);
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < g.outWidth(); x++) {
                    int o = (y * g.outWidth() + x) * outC;
                    for (int ky = 0; ky < g.kernelHeight(); ky++) {
                        int iy = y * g.strideHeight() - g.padTop() + ky * g.dilationHeight();
                        if (iy < 0 || iy >= g.inHeight()) {
                            continue;
                        }
                        for (int kx = 0; kx < g.kernelWidth(); kx++) {
                            int ix = x * g.strideWidth() - g.padLeft() + kx * g.dilationWidth();
                            if (ix < 0 || ix >= g.inWidth()) {
                                continue;
                            }
                            int p = (iy * g.inWidth() + ix) * g.channels();
                            int w = (ky * g.kernelWidth() + kx) * outC;
                            if (wide == null) {
                                multiplyAdd(partial, w, img, p, dy, o, outC);
                            } else {
                                widen(img, p, g.channels(), multiplier, wide);
                                multiplyAdd(partial, w, wide, 0, dy, o, outC);
                            }
                        }
                    }
                }
            }
            for (int i = 0; i < size; i++) {
                total[i] += partial[i];
            }
        }
        for (int i = 0; i < size; i++) {
            gradKernel.put(i, (float) total[i]);
        }
    }

    /** {@code dst[d + i] += a[ai + i] · b[bi + i]} for {@code i < n}. */
    private static void multiplyAdd(float[] dst, int d, float[] a, int ai, float[] b, int bi, int n) {
        for (int i = 0; i < n; i++) {
            dst[d + i] += a[ai + i] * b[bi + i];
        }
    }

    /** Each of a pixel's channels repeated {@code multiplier} times, so it lines up with the output channels. */
    private static void widen(float[] img, int p, int channels, int multiplier, float[] wide) {
        for (int ci = 0; ci < channels; ci++) {
            float v = img[p + ci];
            for (int m = 0; m < multiplier; m++) {
                wide[ci * multiplier + m] = v;
            }
        }
    }
}
