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
        };
    }

    /** {@code g ⊙ activation'}, with the derivative taken from the output {@code y} (softmax: {@code y ⊙ (g − Σ g⊙y)}). */
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
            case SOFTMAX -> {
                Operand<TFloat32> dot = tf.sum(tf.math.mul(g, y), tf.constant(-1), Sum.keepDims(true));
                yield tf.math.mul(y, tf.math.sub(g, dot));
            }
        };
    }
}
