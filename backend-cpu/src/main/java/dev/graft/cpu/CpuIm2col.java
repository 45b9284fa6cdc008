package dev.graft.cpu;

import dev.graft.spi.ConvGeometry;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The lowering behind the CPU convolution: {@link #im2col} writes, for every output pixel of a
 * run of images, the window of input values it sees as one row of {@code kh·kw·channels} floats
 * (zeros where the window leaves the image), in the order of TF's kernel layout
 * {@code [kh, kw, in, out]}; one GEMM with the kernel then computes all those pixels at once.
 * {@link #col2im} is its adjoint: it adds each row back onto the input pixels it came from.
 */
final class CpuIm2col {

    private CpuIm2col() {
    }

    /**
     * Rows for images {@code [first, first + count)} of {@code input} into {@code cols} from index
     * 0, each {@code g.windowSize()·g.channels()} long.
     */
    static void im2col(ConvGeometry g, FloatBuffer input, int first, int count, FloatBuffer cols, CpuConvStaging s) {
        int c = g.channels();
        int rowLength = g.windowSize() * c;
        int ow = g.outWidth();
        float[] img = s.image(g.inputSize());
        float[] block = s.block(ow * rowLength);
        for (int n = 0; n < count; n++) {
            input.get((first + n) * g.inputSize(), img, 0, g.inputSize());
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < ow; x++) {
                    lowerPixel(g, img, y, x, block, x * rowLength);
                }
                cols.put((n * g.outHeight() + y) * ow * rowLength, block, 0, ow * rowLength);
            }
        }
    }

    /** The window of output pixel (y, x) as one row at {@code block[at..)}. */
    private static void lowerPixel(ConvGeometry g, float[] img, int y, int x, float[] block, int at) {
        int c = g.channels();
        int kw = g.kernelWidth();
        int ix0 = x * g.strideWidth() - g.padLeft();
        int dw = g.dilationWidth();
        for (int ky = 0; ky < g.kernelHeight(); ky++) {
            int iy = y * g.strideHeight() - g.padTop() + ky * g.dilationHeight();
            int row = at + ky * kw * c;
            if (iy < 0 || iy >= g.inHeight()) {
                Arrays.fill(block, row, row + kw * c, 0f);
                continue;
            }
            int pixelRow = iy * g.inWidth();
            if (dw == 1) {
                // the in-image part of the window row is one contiguous run of pixels
                int lo = Math.max(0, -ix0);
                int hi = Math.min(kw, g.inWidth() - ix0);
                if (hi <= lo) {
                    Arrays.fill(block, row, row + kw * c, 0f);
                    continue;
                }
                Arrays.fill(block, row, row + lo * c, 0f);
                System.arraycopy(img, (pixelRow + ix0 + lo) * c, block, row + lo * c, (hi - lo) * c);
                Arrays.fill(block, row + hi * c, row + kw * c, 0f);
            } else {
                for (int kx = 0; kx < kw; kx++) {
                    int ix = ix0 + kx * dw;
                    if (ix < 0 || ix >= g.inWidth()) {
                        Arrays.fill(block, row + kx * c, row + (kx + 1) * c, 0f);
                    } else {
                        System.arraycopy(img, (pixelRow + ix) * c, block, row + kx * c, c);
                    }
                }
            }
        }
    }

    /**
     * The adjoint of {@link #im2col}: for images {@code [first, first + count)}, sums the rows of
     * {@code cols} (from index 0) onto the pixels they were read from and <em>writes</em> each
     * image's sum to {@code gradInput}.
     */
    static void col2im(ConvGeometry g, FloatBuffer cols, int first, int count, FloatBuffer gradInput,
                       CpuConvStaging s) {
        int c = g.channels();
        int rowLength = g.windowSize() * c;
        int ow = g.outWidth();
        float[] block = s.block(ow * rowLength);
        for (int n = 0; n < count; n++) {
            float[] img = s.zeroedOther(g.inputSize());
            for (int y = 0; y < g.outHeight(); y++) {
                cols.get((n * g.outHeight() + y) * ow * rowLength, block, 0, ow * rowLength);
                for (int x = 0; x < ow; x++) {
                    raisePixel(g, block, x * rowLength, y, x, img);
                }
            }
            gradInput.put((first + n) * g.inputSize(), img, 0, g.inputSize());
        }
    }

    private static void raisePixel(ConvGeometry g, float[] block, int at, int y, int x, float[] img) {
        int c = g.channels();
        int kw = g.kernelWidth();
        for (int ky = 0; ky < g.kernelHeight(); ky++) {
            int iy = y * g.strideHeight() - g.padTop() + ky * g.dilationHeight();
            if (iy < 0 || iy >= g.inHeight()) {
                continue;
            }
            for (int kx = 0; kx < kw; kx++) {
                int ix = x * g.strideWidth() - g.padLeft() + kx * g.dilationWidth();
                if (ix >= 0 && ix < g.inWidth()) {
                    addInto(img, (iy * g.inWidth() + ix) * c, block, at + (ky * kw + kx) * c, c);
                }
            }
        }
    }

    private static void addInto(float[] dst, int dstAt, float[] src, int srcAt, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstAt + i] += src[srcAt + i];
        }
    }
}
