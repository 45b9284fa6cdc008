package dev.graft.cli;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Layer;
import dev.graft.Model;

/** An independent forward pass in double precision (dense layers with relu/identity/softmax only). */
final class Forward {

    private Forward() {
    }

    static double[] outputs(Model model, double[] x) {
        double[] a = x;
        for (Layer layer : model.layers()) {
            Dense d = (Dense) layer;
            float[] w = d.weights();
            float[] b = d.bias();
            double[] y = new double[d.outputWidth()];
            for (int o = 0; o < y.length; o++) {
                double s = b[o];
                for (int i = 0; i < a.length; i++) {
                    s += a[i] * w[i * d.outputWidth() + o];
                }
                y[o] = s;
            }
            Activation.Kind kind = d.activation().kind();
            if (kind == Activation.Kind.RELU) {
                for (int o = 0; o < y.length; o++) {
                    y[o] = Math.max(0, y[o]);
                }
            } else if (kind == Activation.Kind.SOFTMAX) {
                double max = Double.NEGATIVE_INFINITY;
                for (double v : y) {
                    max = Math.max(max, v);
                }
                double sum = 0;
                for (int o = 0; o < y.length; o++) {
                    y[o] = Math.exp(y[o] - max);
                    sum += y[o];
                }
                for (int o = 0; o < y.length; o++) {
                    y[o] /= sum;
                }
            } else if (kind != Activation.Kind.IDENTITY) {
                throw new IllegalArgumentException("test forward pass does not do " + kind);
            }
            a = y;
        }
        return a;
    }

    static int argMax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
