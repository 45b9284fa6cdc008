package dev.graft.tf;

import dev.graft.BatchNorm;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * {@link BatchNorm} as TF ops, unfused so that the arithmetic is Keras 3's: the flat
 * {@code [rows, h·w·c]} activations are viewed as {@code [rows·h·w, c]}; in training the batch
 * mean and biased variance normalise (TF differentiates through them) and the moving statistics
 * are assigned {@code moving·momentum + batch·(1 − momentum)} with every step; otherwise the moving
 * statistics normalise and nothing is assigned (a frozen BatchNorm).
 */
final class TfBatchNorm {

    private TfBatchNorm() {
    }

    static Operand<TFloat32> forward(Ops tf, BatchNorm bn, Map<String, TfModelGraph.Var> vars, Operand<TFloat32> x,
                                     boolean training, List<Op> stateUpdates) {
        int channels = bn.channels();
        Operand<TFloat32> rows = tf.reshape(x, tf.constant(new long[] {-1, channels}));
        Operand<TFloat32> movingMean = vars.get("moving_mean").variable();
        Operand<TFloat32> movingVariance = vars.get("moving_variance").variable();
        Operand<TFloat32> mean;
        Operand<TFloat32> variance;
        if (training) {
            Operand<TInt32> axis = tf.constant(new int[] {0});
            mean = tf.math.mean(rows, axis);
            variance = tf.math.mean(tf.math.square(tf.math.sub(rows, mean)), axis);
            Operand<TFloat32> momentum = tf.constant((float) bn.momentum());
            Operand<TFloat32> rest = tf.constant((float) (1 - (double) (float) bn.momentum()));
            stateUpdates.add(tf.assign(vars.get("moving_mean").variable(),
                    tf.math.add(tf.math.mul(movingMean, momentum), tf.math.mul(mean, rest))));
            stateUpdates.add(tf.assign(vars.get("moving_variance").variable(),
                    tf.math.add(tf.math.mul(movingVariance, momentum), tf.math.mul(variance, rest))));
        } else {
            mean = movingMean;
            variance = movingVariance;
        }
        Operand<TFloat32> scale = tf.math.rsqrt(tf.math.add(variance, tf.constant((float) bn.epsilon())));
        if (bn.scale()) {
            scale = tf.math.mul(vars.get("gamma").variable(), scale);
        }
        Operand<TFloat32> y = tf.math.mul(tf.math.sub(rows, mean), scale);
        if (bn.center()) {
            y = tf.math.add(y, vars.get("beta").variable());
        }
        return tf.reshape(y, tf.constant(new long[] {-1, bn.inputWidth()}));
    }
}
