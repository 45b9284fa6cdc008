package dev.graft.conformance;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.train.Loss;

/** An independent double-precision forward pass and loss, for finite-difference checks. */
final class HostMath {

    private HostMath() {
    }

    /** Inference outputs of {@code model} (dense, toy and activation layers; dropout is the identity), per row, in double. */
    static double[][] outputs(Model model, float[] x, int rows) {
        double[][] out = new double[rows][];
        for (int r = 0; r < rows; r++) {
            double[] a = new double[model.inputWidth()];
            for (int j = 0; j < a.length; j++) {
                a[j] = x[r * a.length + j];
            }
            for (Layer layer : model.layers()) {
                a = apply(layer, a, false);
            }
            out[r] = a;
        }
        return out;
    }

    static double[] apply(Layer layer, double[] a, boolean fusedTop) {
        if (layer instanceof Dense d) {
            return dense(d, a, fusedTop ? Activation.IDENTITY : d.activation());
        } else if (layer instanceof ScaleLayer s) {
            float[] scale = s.parameterValues("scale");
            for (int j = 0; j < a.length; j++) {
                a[j] *= scale[j];
            }
        } else if (layer instanceof dev.graft.ActivationLayer act && !fusedTop) {
            return activate(a, act.activation());
        } else if (ConvHostMath.handles(layer)) {
            return ConvHostMath.apply(layer, a, fusedTop);
        }
        return a;
    }

    /** Mean loss of {@code model} (inference mode) on {@code rows} samples. */
    static double meanLoss(Model model, float[] x, float[] targets, int rows, Loss loss) {
        double total = 0;
        for (int r = 0; r < rows; r++) {
            double[] a = new double[model.inputWidth()];
            for (int j = 0; j < a.length; j++) {
                a[j] = x[r * a.length + j];
            }
            for (int li = 0; li < model.size(); li++) {
                Layer layer = model.layer(li);
                boolean fusedTop = li == model.size() - 1 && loss == Loss.SOFTMAX_CROSS_ENTROPY && layer.endsInSoftmax();
                a = apply(layer, a, fusedTop);
            }
            if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
                total += softmaxCrossEntropy(a, (int) targets[r]);
            } else {
                double s = 0;
                for (int j = 0; j < a.length; j++) {
                    double d = a[j] - targets[r * a.length + j];
                    s += d * d;
                }
                total += s / a.length;
            }
        }
        return total / rows;
    }

    /** The softmax cross-entropy of one sample's logits against its class, computed stably (the largest logit shifted out). */
    static double softmaxCrossEntropy(double[] logits, int label) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : logits) {
            sum += Math.exp(v - max);
        }
        return Math.log(sum) + max - logits[label];
    }

    /** The model's inference output for one sample (dropout is the identity), in double precision. */
    static double[] forward(Model model, float[] x, int offset) {
        double[] a = new double[model.inputWidth()];
        for (int j = 0; j < a.length; j++) {
            a[j] = x[offset + j];
        }
        for (Layer layer : model.layers()) {
            if (layer instanceof Dense d) {
                a = dense(d, a, d.activation());
            }
        }
        return a;
    }

    private static double[] dense(Dense d, double[] in, Activation act) {
        float[] w = d.weights();
        float[] b = d.bias();
        int out = d.outputWidth();
        double[] z = new double[out];
        for (int j = 0; j < out; j++) {
            double s = b[j];
            for (int i = 0; i < in.length; i++) {
                s += in[i] * w[i * out + j];
            }
            z[j] = s;
        }
        return activate(z, act);
    }

    static double[] activate(double[] z, Activation act) {
        int out = z.length;
        if (act.kind() == Activation.Kind.SOFTMAX) {
            double max = Double.NEGATIVE_INFINITY;
            for (double v : z) {
                max = Math.max(max, v);
            }
            double sum = 0;
            for (int j = 0; j < out; j++) {
                z[j] = Math.exp(z[j] - max);
                sum += z[j];
            }
            for (int j = 0; j < out; j++) {
                z[j] /= sum;
            }
            return z;
        }
        for (int j = 0; j < out; j++) {
            double v = z[j];
            z[j] = switch (act.kind()) {
                case IDENTITY -> v;
                case RELU -> Math.max(0, v);
                case LEAKY_RELU -> v > 0 ? v : act.alpha() * v;
                case ELU -> v > 0 ? v : act.alpha() * Math.expm1(v);
                case TANH -> Math.tanh(v);
                case SIGMOID -> 1 / (1 + Math.exp(-v));
                // Keras 3's definitions, written out independently of the backends
                case RELU6 -> v <= 0 ? 0 : v >= 6 ? 6 : v;
                case SWISH -> v * (1 / (1 + Math.exp(-v)));
                case HARD_SIGMOID -> v <= -3 ? 0 : v >= 3 ? 1 : v / 6 + 0.5;
                case HARD_SWISH -> v <= -3 ? 0 : v >= 3 ? v : v * (v / 6 + 0.5);
                case SELU -> v > 0 ? 1.0507009873554805 * v : 1.0507009873554805 * 1.6732632423543772 * (Math.exp(v) - 1);
                case SOFTMAX -> throw new AssertionError();
            };
        }
        return z;
    }
}
