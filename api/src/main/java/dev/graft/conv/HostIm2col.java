package dev.graft.conv;

import dev.graft.spi.ConvGeometry;
import java.util.Arrays;

/**
 * The lowering behind {@link HostConvKernels}' GEMM path, over heap arrays: {@link #lower} writes,
 * for every output pixel of a run of images, the window of input values it sees as one row of
 * {@code kh·kw·channels} floats (zeros where the window leaves the image), in the order of TF's
 * kernel layout {@code [kh, kw, in, out]}, so that one GEMM with the kernel computes all those
 * pixels; {@link #raise} is its adjoint (adds each row back onto the pixels it was read from).
 */
final class HostIm2col {

    private HostIm2col() {
    }

    /** Rows for images {@code [first, first + count)} of {@code input} into {@code cols} from index 0. */
    static void lower(ConvGeometry g, float[] input, int first, int count, float[] cols) {
        int c = g.channels();
        int kw = g.kernelWidth();
        int rowLength = g.windowSize() * c;
        int at = 0;
        for (int n = first; n < first + count; n++) {
            int image = n * g.inputSize();
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < g.outWidth(); x++, at += rowLength) {
                    int ix0 = x * g.strideWidth() - g.padLeft();
                    for (int ky = 0; ky < g.kernelHeight(); ky++) {
                        int iy = y * g.strideHeight() - g.padTop() + ky * g.dilationHeight();
                        int row = at + ky * kw * c;
                        if (iy < 0 || iy >= g.inHeight()) {
                            Arrays.fill(cols, row, row + kw * c, 0f);
                            continue;
                        }
                        for (int kx = 0; kx < kw; kx++) {
                            int ix = ix0 + kx * g.dilationWidth();
                            if (ix < 0 || ix >= g.inWidth()) {
                                Arrays.fill(cols, row + kx * c, row + (kx + 1) * c, 0f);
                            } else {
                                System.arraycopy(input, image + (iy * g.inWidth() + ix) * c, cols, row + kx * c, c);
                            }
                        }
                    }
                }
            }
        }
    }

    /** The adjoint of {@link #lower}: adds the rows of {@code cols} onto images {@code [first, first + count)} of {@code grad}. */
    static void raise(ConvGeometry g, float[] cols, int first, int count, float[] grad) {
        int c = g.channels();
        int kw = g.kernelWidth();
        int rowLength = g.windowSize() * c;
        int at = 0;
        for (int n = first; n < first + count; n++) {
            int image = n * g.inputSize();
            for (int y = 0; y < g.outHeight(); y++) {
                for (int x = 0; x < g.outWidth(); x++, at += rowLength) {
                    for (int ky = 0; ky < g.kernelHeight(); ky++) {
                        int iy = y * g.strideHeight() - g.padTop() + ky * g.dilationHeight();
                        if (iy < 0 || iy >= g.inHeight()) {
                            continue;
                        }
                        for (int kx = 0; kx < kw; kx++) {
                            int ix = x * g.strideWidth() - g.padLeft() + kx * g.dilationWidth();
                            if (ix >= 0 && ix < g.inWidth()) {
                                int dst = image + (iy * g.inWidth() + ix) * c;
                                int src = at + (ky * kw + kx) * c;
                                for (int i = 0; i < c; i++) {
                                    grad[dst + i] += cols[src + i];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
