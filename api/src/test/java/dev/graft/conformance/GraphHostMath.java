package dev.graft.conformance;

import dev.graft.Add;
import dev.graft.BatchNorm;
import dev.graft.Concatenate;
import dev.graft.InputLayer;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.Shape;
import java.util.List;

/**
 * An independent double-precision forward pass of a graph model, one sample at a time: each layer's
 * value from its inputs' values (merges written out here, the other layers through {@link HostMath}),
 * batch norm at inference (moving statistics).
 */
final class GraphHostMath {

    private GraphHostMath() {
    }

    /** Inference outputs per row; with {@code logits} the top softmax is left out. */
    static double[][] outputs(Model model, float[] x, int rows, boolean logits) {
        int width = model.inputWidth();
        double[][] out = new double[rows][];
        for (int r = 0; r < rows; r++) {
            double[] sample = new double[width];
            for (int j = 0; j < width; j++) {
                sample[j] = x[r * width + j];
            }
            out[r] = sample(model, sample, logits);
        }
        return out;
    }

    /** Mean softmax cross-entropy over the rows (the loss the training step differentiates). */
    static double meanLoss(Model model, float[] x, float[] labels, int rows) {
        double[][] z = outputs(model, x, rows, model.layer(model.size() - 1).endsInSoftmax());
        double total = 0;
        for (int r = 0; r < rows; r++) {
            total += HostMath.softmaxCrossEntropy(z[r], (int) labels[r]);
        }
        return total / rows;
    }

    private static double[] sample(Model model, double[] x, boolean logits) {
        double[][] values = new double[model.size()][];
        int column = 0;
        for (int i = 0; i < model.size(); i++) {
            Layer layer = model.layer(i);
            List<Integer> in = model.inputIndices(i);
            boolean top = logits && i == model.size() - 1;
            if (layer instanceof InputLayer) {
                int w = layer.outputWidth();
                values[i] = java.util.Arrays.copyOfRange(x, column, column + w);
                column += w;
            } else if (layer instanceof Add) {
                double[] sum = values[in.get(0)].clone();
                for (int k = 1; k < in.size(); k++) {
                    for (int j = 0; j < sum.length; j++) {
                        sum[j] += values[in.get(k)][j];
                    }
                }
                values[i] = sum;
            } else if (layer instanceof Concatenate c) {
                values[i] = concatenate(c, in.stream().map(k -> values[k]).toList());
            } else {
                double[] a = in.isEmpty() ? x.clone() : values[in.get(0)].clone();
                values[i] = layer instanceof BatchNorm bn ? batchNorm(bn, a) : HostMath.apply(layer, a, top);
            }
        }
        return values[model.size() - 1];
    }

    private static double[] concatenate(Concatenate c, List<double[]> parts) {
        Shape first = c.inputShape();
        int axis = c.axis() < 0 ? first.rank() + c.axis() : c.axis() - 1;
        int outer = 1;
        for (int d = 0; d < axis; d++) {
            outer *= first.dim(d);
        }
        double[] out = new double[c.outputWidth()];
        int at = 0;
        for (int o = 0; o < outer; o++) {
            for (double[] part : parts) {
                int block = part.length / outer;
                System.arraycopy(part, o * block, out, at, block);
                at += block;
            }
        }
        return out;
    }

    private static double[] batchNorm(BatchNorm bn, double[] a) {
        int c = bn.channels();
        float[] mean = bn.parameterValues("moving_mean");
        float[] var = bn.parameterValues("moving_variance");
        float[] gamma = bn.scale() ? bn.parameterValues("gamma") : null;
        float[] beta = bn.center() ? bn.parameterValues("beta") : null;
        for (int j = 0; j < a.length; j++) {
            int ch = j % c;
            double y = (a[j] - mean[ch]) / Math.sqrt(var[ch] + bn.epsilon());
            a[j] = y * (gamma == null ? 1 : gamma[ch]) + (beta == null ? 0 : beta[ch]);
        }
        return a;
    }
}
