package dev.graft.cpu;

import dev.graft.spi.ConvGeometry;
import dev.graft.spi.ZeroPadding;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Max, average and global-average pooling and zero padding over channels-last off-heap images,
 * with TensorFlow's semantics (see {@link dev.graft.conv.ReferencePoolingKernels}). Each image is
 * staged on the heap; the innermost loops run over a pixel's contiguous channels.
 */
final class CpuPooling {

    private CpuPooling() {
    }

    static void maxPool(ConvGeometry g, int batch, FloatBuffer input, FloatBuffer output, CpuConvStaging s) {
        int c = g.channels();
        int outImage = g.outPixels() * c;
        float[] img = s.image(g.inputSize());
        float[] out = s.block(outImage);
        CpuWindow win = s.window(g);
        for (int n = 0; n < batch; n++) {
            input.get(n * g.inputSize(), img, 0, g.inputSize());
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < g.outWidth(); x++) {
                    int o = (y * g.outWidth() + x) * c;
                    Arrays.fill(out, o, o + c, Float.NEGATIVE_INFINITY);
                    win.moveTo(y, x);
                    for (int ky = win.kyFirst; ky < win.kyEnd; ky++) {
                        for (int kx = win.kxFirst; kx < win.kxEnd; kx++) {
                            int p = win.pixel(ky, kx) * c;
                            for (int i = 0; i < c; i++) {
                                out[o + i] = Math.max(out[o + i], img[p + i]);
                            }
                        }
                    }
                }
            }
            output.put(n * outImage, out, 0, outImage);
        }
    }

    /** Writes the input gradient: each output gradient goes to its window's first maximum (scan order). */
    static void maxPoolBackward(ConvGeometry g, int batch, FloatBuffer input, FloatBuffer gradOut,
                                FloatBuffer gradInput, CpuConvStaging s) {
        int c = g.channels();
        int outImage = g.outPixels() * c;
        float[] img = s.image(g.inputSize());
        float[] dy = s.block(outImage);
        float[] best = s.tile(0, c);
        int[] at = s.indices(c);
        CpuWindow win = s.window(g);
        for (int n = 0; n < batch; n++) {
            input.get(n * g.inputSize(), img, 0, g.inputSize());
            gradOut.get(n * outImage, dy, 0, outImage);
            float[] dx = s.zeroedOther(g.inputSize());
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < g.outWidth(); x++) {
                    Arrays.fill(at, 0, c, -1);
                    win.moveTo(y, x);
                    for (int ky = win.kyFirst; ky < win.kyEnd; ky++) {
                        for (int kx = win.kxFirst; kx < win.kxEnd; kx++) {
                            int p = win.pixel(ky, kx) * c;
                            for (int i = 0; i < c; i++) {
                                if (at[i] < 0 || img[p + i] > best[i]) {
                                    best[i] = img[p + i];
                                    at[i] = p + i;
                                }
                            }
                        }
                    }
                    int o = (y * g.outWidth() + x) * c;
                    for (int i = 0; i < c; i++) {
                        dx[at[i]] += dy[o + i];
                    }
                }
            }
            gradInput.put(n * g.inputSize(), dx, 0, g.inputSize());
        }
    }

    static void avgPool(ConvGeometry g, int batch, FloatBuffer input, FloatBuffer output, CpuConvStaging s) {
        int c = g.channels();
        int outImage = g.outPixels() * c;
        float[] img = s.image(g.inputSize());
        float[] out = s.block(outImage);
        CpuWindow win = s.window(g);
        for (int n = 0; n < batch; n++) {
            input.get(n * g.inputSize(), img, 0, g.inputSize());
            Arrays.fill(out, 0, outImage, 0f);
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < g.outWidth(); x++) {
                    int o = (y * g.outWidth() + x) * c;
                    win.moveTo(y, x);
                    for (int ky = win.kyFirst; ky < win.kyEnd; ky++) {
                        for (int kx = win.kxFirst; kx < win.kxEnd; kx++) {
                            int p = win.pixel(ky, kx) * c;
                            for (int i = 0; i < c; i++) {
                                out[o + i] += img[p + i];
                            }
                        }
                    }
                    float inv = 1f / win.cells();
                    for (int i = 0; i < c; i++) {
                        out[o + i] *= inv;
                    }
                }
            }
            output.put(n * outImage, out, 0, outImage);
        }
    }

    /** Writes the input gradient: each output gradient shared by its window's in-image cells. */
    static void avgPoolBackward(ConvGeometry g, int batch, FloatBuffer gradOut, FloatBuffer gradInput,
                                CpuConvStaging s) {
        int c = g.channels();
        int outImage = g.outPixels() * c;
        float[] dy = s.block(outImage);
        float[] share = s.tile(0, c);
        CpuWindow win = s.window(g);
        for (int n = 0; n < batch; n++) {
            gradOut.get(n * outImage, dy, 0, outImage);
            float[] dx = s.zeroedOther(g.inputSize());
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < g.outWidth(); x++) {
                    int o = (y * g.outWidth() + x) * c;
                    win.moveTo(y, x);
                    float inv = 1f / win.cells();
                    for (int i = 0; i < c; i++) {
                        share[i] = dy[o + i] * inv;
                    }
                    for (int ky = win.kyFirst; ky < win.kyEnd; ky++) {
                        for (int kx = win.kxFirst; kx < win.kxEnd; kx++) {
                            int p = win.pixel(ky, kx) * c;
                            for (int i = 0; i < c; i++) {
                                dx[p + i] += share[i];
                            }
                        }
                    }
                }
            }
            gradInput.put(n * g.inputSize(), dx, 0, g.inputSize());
        }
    }

    /** Per image and channel, the mean over all pixels: {@code [batch, channels]}. */
    static void globalAvgPool(int batch, int pixels, int channels, FloatBuffer input, FloatBuffer output,
                              CpuScratch scratch) {
        for (int n = 0; n < batch; n++) {
            CpuKernels.columnSums(input.slice(n * pixels * channels, pixels * channels), pixels, channels,
                    1f / pixels, output.slice(n * channels, channels), 0f, scratch);
        }
    }

    /** Writes the input gradient: each image's {@code [channels]} gradient divided evenly over its pixels. */
    static void globalAvgPoolBackward(int batch, int pixels, int channels, FloatBuffer gradOut, FloatBuffer gradInput,
                                      CpuConvStaging s) {
        float[] share = s.weights(channels);
        float[] img = s.image(pixels * channels);
        for (int n = 0; n < batch; n++) {
            gradOut.get(n * channels, share, 0, channels);
            for (int i = 0; i < channels; i++) {
                share[i] = (float) ((double) share[i] / pixels);
            }
            CpuConvStaging.repeat(share, channels, pixels, img);
            gradInput.put(n * pixels * channels, img, 0, pixels * channels);
        }
    }

    static void zeroPad(ZeroPadding pad, int batch, int height, int width, int channels, FloatBuffer input,
                        FloatBuffer output, CpuConvStaging s) {
        int ow = pad.outWidth(width);
        int outImage = pad.outHeight(height) * ow * channels;
        int row = width * channels;
        float[] out = s.zeroedOther(outImage);
        for (int n = 0; n < batch; n++) {
            for (int y = 0; y < height; y++) {
                input.get((n * height + y) * row, out, ((y + pad.top()) * ow + pad.left()) * channels, row);
            }
            output.put(n * outImage, out, 0, outImage);
        }
    }

    /** Writes the input gradient: the middle of each padded gradient image. */
    static void zeroPadBackward(ZeroPadding pad, int batch, int height, int width, int channels, FloatBuffer gradOut,
                                FloatBuffer gradInput, CpuConvStaging s) {
        int ow = pad.outWidth(width);
        int outImage = pad.outHeight(height) * ow * channels;
        int row = width * channels;
        float[] dy = s.block(outImage);
        for (int n = 0; n < batch; n++) {
            gradOut.get(n * outImage, dy, 0, outImage);
            for (int y = 0; y < height; y++) {
                gradInput.put((n * height + y) * row, dy, ((y + pad.top()) * ow + pad.left()) * channels, row);
            }
        }
    }
}
