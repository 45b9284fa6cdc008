package dev.graft.conformance;

import dev.graft.Activation;
import dev.graft.AvgPool2D;
import dev.graft.Conv2D;
import dev.graft.ConvWindow;
import dev.graft.DepthwiseConv2D;
import dev.graft.Flatten;
import dev.graft.GlobalAveragePooling2D;
import dev.graft.GlobalMaxPooling2D;
import dev.graft.Layer;
import dev.graft.MaxPool2D;
import dev.graft.Shape;
import dev.graft.ZeroPadding2D;
import dev.graft.conv.Independent;
import dev.graft.spi.Padding;
import dev.graft.spi.ZeroPadding;

/**
 * The convolutional layers of {@link HostMath}'s independent double-precision forward pass, one
 * sample at a time: windows through {@link Independent} (explicit padding, plain sums; no code
 * shared with the reference kernels), the rest written out here.
 */
final class ConvHostMath {

    private ConvHostMath() {
    }

    static boolean handles(Layer layer) {
        return layer instanceof Conv2D || layer instanceof DepthwiseConv2D || layer instanceof MaxPool2D
                || layer instanceof AvgPool2D || layer instanceof GlobalAveragePooling2D
                || layer instanceof GlobalMaxPooling2D || layer instanceof Flatten || layer instanceof ZeroPadding2D;
    }

    /** One sample {@code a} (channels-last) through {@code layer}; a fused top softmax is left out when {@code fusedTop}. */
    static double[] apply(Layer layer, double[] a, boolean fusedTop) {
        Shape in = layer.inputShape();
        if (layer instanceof Conv2D conv) {
            double[] z = windows(in, conv.window()).conv(a, doubles(conv.parameterValues("kernel")), conv.filters(),
                    conv.useBias() ? doubles(conv.parameterValues("bias")) : null);
            return perPixel(z, conv.outputShape(), fusedTop ? Activation.IDENTITY : conv.activation());
        }
        if (layer instanceof DepthwiseConv2D dw) {
            double[] z = windows(in, dw.window()).depthwise(a, doubles(dw.parameterValues("depthwise_kernel")),
                    dw.multiplier(), dw.useBias() ? doubles(dw.parameterValues("bias")) : null);
            return perPixel(z, dw.outputShape(), fusedTop ? Activation.IDENTITY : dw.activation());
        }
        if (layer instanceof MaxPool2D max) {
            return windows(in, max.window()).pool(a, true);
        }
        if (layer instanceof AvgPool2D avg) {
            return windows(in, avg.window()).pool(a, false);
        }
        if (layer instanceof GlobalAveragePooling2D || layer instanceof GlobalMaxPooling2D) {
            boolean isMax = layer instanceof GlobalMaxPooling2D;
            int c = in.dim(2);
            int pixels = in.dim(0) * in.dim(1);
            double[] out = new double[c];
            for (int ch = 0; ch < c; ch++) {
                double best = Double.NEGATIVE_INFINITY;
                double sum = 0;
                for (int p = 0; p < pixels; p++) {
                    best = Math.max(best, a[p * c + ch]);
                    sum += a[p * c + ch];
                }
                out[ch] = isMax ? best : sum / pixels;
            }
            return out;
        }
        if (layer instanceof ZeroPadding2D zp) {
            ZeroPadding pad = zp.padding();
            int h = in.dim(0);
            int w = in.dim(1);
            int c = in.dim(2);
            int ow = w + pad.left() + pad.right();
            double[] out = new double[(h + pad.top() + pad.bottom()) * ow * c];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    System.arraycopy(a, (y * w + x) * c, out, ((y + pad.top()) * ow + x + pad.left()) * c, c);
                }
            }
            return out;
        }
        return a; // Flatten: the same values in the same order
    }

    private static Independent windows(Shape in, ConvWindow w) {
        return new Independent(1, in.dim(0), in.dim(1), in.dim(2), w.height(), w.width(), w.strideHeight(),
                w.strideWidth(), w.dilationHeight(), w.dilationWidth(), w.padding() == Padding.SAME);
    }

    /** The activation applied to each pixel's channel vector. */
    private static double[] perPixel(double[] z, Shape out, Activation act) {
        int c = out.dim(2);
        double[] result = new double[z.length];
        for (int p = 0; p < z.length / c; p++) {
            double[] pixel = java.util.Arrays.copyOfRange(z, p * c, (p + 1) * c);
            System.arraycopy(HostMath.activate(pixel, act), 0, result, p * c, c);
        }
        return result;
    }

    static double[] doubles(float[] values) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return d;
    }
}
