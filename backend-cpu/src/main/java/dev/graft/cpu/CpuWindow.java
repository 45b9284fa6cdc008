package dev.graft.cpu;

import dev.graft.spi.ConvGeometry;

/**
 * The part of a sliding window that lies inside the image, for the direct-loop kernels (pooling,
 * depthwise convolution, im2col and col2im, the conv block's fused max pooling): after
 * {@link #moveTo}{@code (y, x)}, kernel rows {@code [kyFirst, kyEnd)} and columns
 * {@code [kxFirst, kxEnd)} are exactly the window cells of output pixel (y, x) whose input pixel is
 * in the image, in the ascending order of a scan that skips the padding, so a kernel that loops over
 * them sums in the same order as one that tests every cell. The ranges of every output row and
 * column are computed once per geometry (see {@link CpuConvStaging#window}), so the per-pixel step
 * is a few array reads.
 */
final class CpuWindow {

    /** Kernel rows of the current pixel that read the image: {@code [kyFirst, kyEnd)}. */
    int kyFirst;
    int kyEnd;
    /** Kernel columns of the current pixel that read the image: {@code [kxFirst, kxEnd)}. */
    int kxFirst;
    int kxEnd;
    private int top;
    private int left;
    private final Axis rows;
    private final Axis columns;
    private final int dilationHeight;
    private final int dilationWidth;
    private final int inWidth;

    CpuWindow(ConvGeometry g) {
        rows = new Axis(g.outHeight(), g.strideHeight(), g.padTop(), g.dilationHeight(), g.kernelHeight(),
                g.inHeight());
        columns = new Axis(g.outWidth(), g.strideWidth(), g.padLeft(), g.dilationWidth(), g.kernelWidth(),
                g.inWidth());
        dilationHeight = g.dilationHeight();
        dilationWidth = g.dilationWidth();
        inWidth = g.inWidth();
    }

    /** Makes the ranges those of output pixel (y, x). */
    void moveTo(int y, int x) {
        top = rows.origin[y];
        kyFirst = rows.first[y];
        kyEnd = rows.end[y];
        left = columns.origin[x];
        kxFirst = columns.first[x];
        kxEnd = columns.end[x];
    }

    /** The input pixel (row-major, in pixels) under kernel cell (ky, kx) of the current output pixel. */
    int pixel(int ky, int kx) {
        return (top + ky * dilationHeight) * inWidth + left + kx * dilationWidth;
    }

    /** How many of the current window's cells lie inside the image. */
    int cells() {
        return (kyEnd - kyFirst) * (kxEnd - kxFirst);
    }

    /**
     * One axis of the window, per output position {@code o}: the input position of kernel cell 0,
     * {@code o·stride − pad}, and the range of cells {@code k} whose {@code origin + k·dilation} lies in
     * {@code [0, size)} (empty, {@code first == end}, where none does).
     */
    private static final class Axis {
        final int[] origin;
        final int[] first;
        final int[] end;

        Axis(int outputs, int stride, int pad, int dilation, int kernel, int size) {
            origin = new int[outputs];
            first = new int[outputs];
            end = new int[outputs];
            for (int o = 0; o < outputs; o++) {
                int at = o * stride - pad;
                origin[o] = at;
                first[o] = Math.min(kernel, ceilDiv(Math.max(0, -at), dilation));
                end[o] = Math.max(first[o], Math.min(kernel, ceilDiv(Math.max(0, size - at), dilation)));
            }
        }

        private static int ceilDiv(int n, int d) {
            return (n + d - 1) / d;
        }
    }
}
