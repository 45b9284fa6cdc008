package dev.graft.conv;

/**
 * An independent double-precision formulation of the window operations for the finite-difference
 * tests: each image is first copied into an explicitly padded array (TF's padding rule written out
 * again here), then every output is a plain sum over its window. It shares no code with the
 * reference kernels. Public for the conformance suite's independent forward pass
 * ({@code dev.graft.conformance.ConvHostMath}).
 */
public final class Independent {

    final int batch;
    final int h;
    final int w;
    final int c;
    final int kh;
    final int kw;
    final int sh;
    final int sw;
    final int dh;
    final int dw;
    final boolean same;
    final int oh;
    final int ow;
    final int top;
    final int left;
    final int ph;
    final int pw;

    public Independent(int batch, int h, int w, int c, int kh, int kw, int sh, int sw, int dh, int dw, boolean same) {
        this.batch = batch;
        this.h = h;
        this.w = w;
        this.c = c;
        this.kh = kh;
        this.kw = kw;
        this.sh = sh;
        this.sw = sw;
        this.dh = dh;
        this.dw = dw;
        this.same = same;
        int spanH = (kh - 1) * dh + 1;
        int spanW = (kw - 1) * dw + 1;
        oh = same ? (int) Math.ceil(h / (double) sh) : (int) Math.ceil((h - spanH + 1) / (double) sh);
        ow = same ? (int) Math.ceil(w / (double) sw) : (int) Math.ceil((w - spanW + 1) / (double) sw);
        int totalH = Math.max((oh - 1) * sh + spanH - h, 0);
        int totalW = Math.max((ow - 1) * sw + spanW - w, 0);
        top = totalH / 2;
        left = totalW / 2;
        ph = h + totalH;
        pw = w + totalW;
    }

    /** Image n padded with {@code fill}: [ph][pw][c]. */
    double[][][] padded(double[] x, int n, double fill) {
        double[][][] p = new double[ph][pw][c];
        for (int y = 0; y < ph; y++) {
            for (int xx = 0; xx < pw; xx++) {
                for (int ci = 0; ci < c; ci++) {
                    int iy = y - top;
                    int ix = xx - left;
                    boolean in = iy >= 0 && iy < h && ix >= 0 && ix < w;
                    p[y][xx][ci] = in ? x[((n * h + iy) * w + ix) * c + ci] : fill;
                }
            }
        }
        return p;
    }

    public double[] conv(double[] x, double[] k, int filters, double[] bias) {
        double[] out = new double[batch * oh * ow * filters];
        for (int n = 0; n < batch; n++) {
            double[][][] p = padded(x, n, 0);
            for (int y = 0; y < oh; y++) {
                for (int xx = 0; xx < ow; xx++) {
                    for (int f = 0; f < filters; f++) {
                        double s = bias == null ? 0 : bias[f];
                        for (int a = 0; a < kh; a++) {
                            for (int b = 0; b < kw; b++) {
                                for (int ci = 0; ci < c; ci++) {
                                    s += p[y * sh + a * dh][xx * sw + b * dw][ci] * k[((a * kw + b) * c + ci) * filters + f];
                                }
                            }
                        }
                        out[((n * oh + y) * ow + xx) * filters + f] = s;
                    }
                }
            }
        }
        return out;
    }

    public double[] depthwise(double[] x, double[] k, int mult, double[] bias) {
        double[] out = new double[batch * oh * ow * c * mult];
        for (int n = 0; n < batch; n++) {
            double[][][] p = padded(x, n, 0);
            for (int y = 0; y < oh; y++) {
                for (int xx = 0; xx < ow; xx++) {
                    for (int ci = 0; ci < c; ci++) {
                        for (int m = 0; m < mult; m++) {
                            double s = bias == null ? 0 : bias[ci * mult + m];
                            for (int a = 0; a < kh; a++) {
                                for (int b = 0; b < kw; b++) {
                                    s += p[y * sh + a * dh][xx * sw + b * dw][ci] * k[((a * kw + b) * c + ci) * mult + m];
                                }
                            }
                            out[((n * oh + y) * ow + xx) * c * mult + ci * mult + m] = s;
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Max pooling (padding −∞) or average pooling over in-image cells (padding marked NaN and skipped). */
    public double[] pool(double[] x, boolean max) {
        double[] out = new double[batch * oh * ow * c];
        for (int n = 0; n < batch; n++) {
            double[][][] p = padded(x, n, Double.NaN);
            for (int y = 0; y < oh; y++) {
                for (int xx = 0; xx < ow; xx++) {
                    for (int ci = 0; ci < c; ci++) {
                        double best = Double.NEGATIVE_INFINITY;
                        double sum = 0;
                        int count = 0;
                        for (int a = 0; a < kh; a++) {
                            for (int b = 0; b < kw; b++) {
                                double v = p[y * sh + a * dh][xx * sw + b * dw][ci];
                                if (!Double.isNaN(v)) {
                                    best = Math.max(best, v);
                                    sum += v;
                                    count++;
                                }
                            }
                        }
                        out[((n * oh + y) * ow + xx) * c + ci] = max ? best : sum / count;
                    }
                }
            }
        }
        return out;
    }
}
