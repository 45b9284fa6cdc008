package dev.graft.tf;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** The SPI's Adam step as TF ops, shared by the kernel path and {@link TfNetwork}. */
final class TfAdam {

    private TfAdam() {
    }

    /** New parameter and moments. */
    record Step(Operand<TFloat32> param, Operand<TFloat32> m, Operand<TFloat32> v) {
    }

    /**
     * {@code m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; p −= stepSize · m / (sqrt(v) + ε)}, with
     * {@code g} already including the L2 term and {@code stepSize} from {@link #stepSize}.
     */
    static Step step(Ops tf, Operand<TFloat32> p, Operand<TFloat32> g, Operand<TFloat32> m, Operand<TFloat32> v,
                     Operand<TFloat32> beta1, Operand<TFloat32> beta2, Operand<TFloat32> epsilon,
                     Operand<TFloat32> stepSize) {
        Operand<TFloat32> one = tf.constant(1f);
        Operand<TFloat32> m2 = tf.math.add(tf.math.mul(beta1, m), tf.math.mul(tf.math.sub(one, beta1), g));
        Operand<TFloat32> v2 = tf.math.add(tf.math.mul(beta2, v), tf.math.mul(tf.math.sub(one, beta2), tf.math.square(g)));
        Operand<TFloat32> update = tf.math.div(m2, tf.math.add(tf.math.sqrt(v2), epsilon));
        return new Step(tf.math.sub(p, tf.math.mul(stepSize, update)), m2, v2);
    }

    /** {@code lr · sqrt(1 − β2^t) / (1 − β1^t)}, computed in double (TF's bias correction). */
    static float stepSize(float lr, float beta1, float beta2, long step) {
        return (float) (lr * Math.sqrt(1 - Math.pow(beta2, step)) / (1 - Math.pow(beta1, step)));
    }
}
