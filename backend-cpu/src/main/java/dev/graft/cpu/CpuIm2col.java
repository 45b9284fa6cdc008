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
        CpuWindow win = s.window(g);
        for (int n = 0; n < count; n++) {
            input.get((first + n) * g.inputSize(), img, 0, g.inputSize());
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < ow; x++) {
                    win.moveTo(y, x);
                    lowerPixel(g, win, img, block, x * rowLength);
                }
                cols.put((n * g.outHeight() + y) * ow * rowLength, block, 0, ow * rowLength);
            }
        }
    }

    /** The window at {@code win}'s pixel as one row at {@code block[at..)}. */
    private static void lowerPixel(ConvGeometry g, CpuWindow win, float[] img, float[] block, int at) {
        int c = g.channels();
        int kw = g.kernelWidth();
        for (int ky = 0; ky < g.kernelHeight(); ky++) {
            int row = at + ky * kw * c;
            if (ky < win.kyFirst || ky >= win.kyEnd || win.kxFirst == win.kxEnd) {
                Arrays.fill(block, row, row + kw * c, 0f);
                continue;
            }
            Arrays.fill(block, row, row + win.kxFirst * c, 0f);
            if (g.dilationWidth() == 1) {
                // the in-image part of the window row is one contiguous run of pixels
                System.arraycopy(img, win.pixel(ky, win.kxFirst) * c, block, row + win.kxFirst * c,
                        (win.kxEnd - win.kxFirst) * c);
            } else {
                for (int kx = win.kxFirst; kx < win.kxEnd; kx++) {
                    System.arraycopy(img, win.pixel(ky, kx) * c, block, row + kx * c, c);
                }
            }
            Arrays.fill(block, row + win.kxEnd * c, row + kw * c, 0f);
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
        CpuWindow win = s.window(g);
        for (int n = 0; n < count; n++) {
            float[] img = s.zeroedOther(g.inputSize());
            for (int y = 0; y < g.outHeight(); y++) {
                cols.get((n * g.outHeight() + y) * ow * rowLength, block, 0, ow * rowLength);
                for (int x = 0; x < ow; x++) {
                    win.moveTo(y, x);
                    raisePixel(win, c, g.kernelWidth(), block, x * rowLength, img);
                }
            }
            gradInput.put((first + n) * g.inputSize(), img, 0, g.inputSize());
        }
    }

    private static void raisePixel(CpuWindow win, int c, int kw, float[] block, int at, float[] img) {
        for (int ky = win.kyFirst; ky < win.kyEnd; ky++) {
            for (int kx = win.kxFirst; kx < win.kxEnd; kx++) {
                addInto(img, win.pixel(ky, kx) * c, block, at + (ky * kw + kx) * c, c);
            }
        }
    }

    private static void addInto(float[] dst, int dstAt, float[] src, int srcAt, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstAt + i] += src[srcAt + i];
        }
    }
}
