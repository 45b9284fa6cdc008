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
        CpuWindow win = s.window(g);
        for (int n = 0; n < batch; n++) {
            input.get(n * g.inputSize(), img, 0, g.inputSize());
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < g.outWidth(); x++) {
                    int o = (y * g.outWidth() + x) * outC;
                    System.arraycopy(k, biasAt, out, o, outC);
                    win.moveTo(y, x);
                    for (int ky = win.kyFirst; ky < win.kyEnd; ky++) {
                        for (int kx = win.kxFirst; kx < win.kxEnd; kx++) {
                            int p = win.pixel(ky, kx) * g.channels();
                            int w = (ky * g.kernelWidth() + kx) * outC;
                            multiplyAddInput(out, o, img, p, g.channels(), multiplier, wide, k, w);
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
        CpuWindow win = s.window(g);
        for (int n = 0; n < batch; n++) {
            gradOut.get(n * outImage, dy, 0, outImage);
            float[] dx = s.zeroedOther(g.inputSize());
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < g.outWidth(); x++) {
                    int o = (y * g.outWidth() + x) * outC;
                    win.moveTo(y, x);
                    for (int ky = win.kyFirst; ky < win.kyEnd; ky++) {
                        for (int kx = win.kxFirst; kx < win.kxEnd; kx++) {
                            int p = win.pixel(ky, kx) * c;
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
        CpuWindow win = s.window(g);
        for (int n = 0; n < batch; n++) {
            input.get(n * g.inputSize(), img, 0, g.inputSize());
            gradOut.get(n * outImage, dy, 0, outImage);
            java.util.Arrays.fill(partial, 0, size, 0f);
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < g.outWidth(); x++) {
                    int o = (y * g.outWidth() + x) * outC;
                    win.moveTo(y, x);
                    for (int ky = win.kyFirst; ky < win.kyEnd; ky++) {
                        for (int kx = win.kxFirst; kx < win.kxEnd; kx++) {
                            int p = win.pixel(ky, kx) * g.channels();
                            int w = (ky * g.kernelWidth() + kx) * outC;
                            multiplyAddInput(partial, w, img, p, g.channels(), multiplier, wide, dy, o);
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

    /**
     * {@code dst[d + i] += x[i] · b[bi + i]} over the {@code channels·multiplier} output channels, where
     * {@code x} is input pixel {@code img[p..)} lined up with them: the pixel itself when
     * {@code multiplier} is 1 ({@code wide} null), else its channels {@link #widen widened} into {@code wide}.
     */
    private static void multiplyAddInput(float[] dst, int d, float[] img, int p, int channels, int multiplier,
                                         float[] wide, float[] b, int bi) {
        if (wide == null) {
            multiplyAdd(dst, d, img, p, b, bi, channels * multiplier);
        } else {
            widen(img, p, channels, multiplier, wide);
            multiplyAdd(dst, d, wide, 0, b, bi, channels * multiplier);
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
