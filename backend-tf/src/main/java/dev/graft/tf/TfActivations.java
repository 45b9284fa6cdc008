package dev.graft.tf;

import dev.graft.Activation;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Sum;
import org.tensorflow.op.nn.LeakyRelu;
import org.tensorflow.types.TFloat32;

/** Graft's activations as TF ops: forward, and the derivative computed from the output. */
final class TfActivations {

    private TfActivations() {
    }

    /** {@code activation(x)} for {@code x} of shape {@code [rows, cols]} (softmax along the last axis). */
    static Operand<TFloat32> forward(Ops tf, Operand<TFloat32> x, Activation activation) {
        return switch (activation.kind()) {
            case IDENTITY -> x;
            case RELU -> tf.nn.relu(x);
            case LEAKY_RELU -> tf.nn.leakyRelu(x, LeakyRelu.alpha(activation.alpha()));
            case ELU -> {
                if (activation.alpha() == 1f) {
                    yield tf.nn.elu(x);
                }
                // alpha·(e^x − 1) below zero, x above: relu(x) + alpha·(elu(x) − relu(x)); differentiable by TF.
                Operand<TFloat32> relu = tf.nn.relu(x);
                yield tf.math.add(relu, tf.math.mul(tf.constant(activation.alpha()), tf.math.sub(tf.nn.elu(x), relu)));
            }
            case TANH -> tf.math.tanh(x);
            case SIGMOID -> tf.math.sigmoid(x);
            case SOFTMAX -> tf.nn.softmax(x);
            case RELU6 -> tf.nn.relu6(x);
            case SWISH -> tf.math.mul(x, tf.math.sigmoid(x));
            case HARD_SIGMOID -> hardSigmoid(tf, x);
            case HARD_SWISH -> tf.math.mul(x, hardSigmoid(tf, x));
            case SELU -> tf.nn.selu(x);
        };
    }

    /** Keras 3's {@code relu6(x + 3) / 6}. */
    private static Operand<TFloat32> hardSigmoid(Ops tf, Operand<TFloat32> x) {
        return tf.math.div(tf.nn.relu6(tf.math.add(x, tf.constant(3f))), tf.constant(6f));
    }

    /**
     * {@code g ⊙ activation'}, with the derivative taken from the output {@code y} (softmax:
     * {@code y ⊙ (g − Σ g⊙y)}); for swish and hard swish {@code y} is the input (see
     * {@link Activation#derivativeFromOutput()}).
     */
    static Operand<TFloat32> backward(Ops tf, Operand<TFloat32> y, Operand<TFloat32> g, Activation activation) {
        Operand<TFloat32> zero = tf.constant(0f);
        return switch (activation.kind()) {
            case IDENTITY -> g;
            case RELU -> tf.nn.reluGrad(g, y);
            case LEAKY_RELU -> tf.select(tf.math.greater(y, zero), g, tf.math.mul(g, tf.constant(activation.alpha())));
            case ELU -> tf.select(tf.math.greater(y, zero), g,
                    tf.math.mul(g, tf.math.add(y, tf.constant(activation.alpha()))));
            case TANH -> tf.math.tanhGrad(y, g);
            case SIGMOID -> tf.math.sigmoidGrad(y, g);
            case RELU6 -> tf.nn.relu6Grad(g, y);
            case HARD_SIGMOID -> tf.select(tf.math.logicalAnd(tf.math.greater(y, zero), tf.math.less(y, tf.constant(1f))),
                    tf.math.div(g, tf.constant(6f)), tf.zerosLike(g));
            case SELU -> tf.select(tf.math.greater(y, zero), tf.math.mul(g, tf.constant((float) Activation.SELU_SCALE)),
                    tf.math.mul(g, tf.math.add(y, tf.constant((float) (Activation.SELU_SCALE * Activation.SELU_ALPHA)))));
            case SWISH -> {
                Operand<TFloat32> s = tf.math.sigmoid(y);
                Operand<TFloat32> one = tf.constant(1f);
                yield tf.math.mul(g, tf.math.mul(s, tf.math.add(one, tf.math.mul(y, tf.math.sub(one, s)))));
            }
            case HARD_SWISH -> {
                Operand<TFloat32> inner = tf.math.div(tf.math.add(tf.math.mul(tf.constant(2f), y), tf.constant(3f)),
                        tf.constant(6f));
                Operand<TFloat32> d = tf.select(tf.math.less(y, tf.constant(-3f)), tf.zerosLike(y),
                        tf.select(tf.math.greater(y, tf.constant(3f)), tf.onesLike(y), inner));
                yield tf.math.mul(g, d);
            }
            case SOFTMAX -> {
                Operand<TFloat32> dot = tf.sum(tf.math.mul(g, y), tf.constant(-1), Sum.keepDims(true));
                yield tf.math.mul(y, tf.math.sub(g, dot));
            }
        };
    }
}
