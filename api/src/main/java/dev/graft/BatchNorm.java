package dev.graft;

import dev.graft.exec.LayerOp;
import dev.graft.exec.OpContext;
import dev.graft.exec.Pass;
import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.NormalizationKernels;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Batch normalisation over the last axis (channels-last: after a {@link Dense} the input is
 * {@code [c]}, after a convolution {@code [h, w, c]}), with Keras 3's semantics:
 * {@code y = γ·(x − μ)/√(σ² + ε) + β}.
 *
 * <p><b>Frozen means inference mode.</b> A frozen BatchNorm ({@code trainable() == false}) always
 * normalises with its moving statistics and never updates them, also while the layers above it
 * train — unlike PyTorch, where {@code requires_grad=False} alone still updates the running
 * statistics in training mode. A trainable BatchNorm normalises a training batch with that batch's
 * mean and biased variance and moves its statistics by
 * {@code moving = moving·momentum + batch·(1 − momentum)}; at prediction and evaluation it uses the
 * moving statistics. Those statistics are {@link Parameter.Role#STATE} parameters: never touched by
 * the optimizer, snapshotted after training and saved with the model.
 *
 * <p>Parameters: {@code gamma} (WEIGHT, only when {@code scale}), {@code beta} (BIAS, only when
 * {@code center}), {@code moving_mean} and {@code moving_variance} (STATE), each one value per
 * channel. Arrays are copied in and out.
 */
public final class BatchNorm implements Layer {

    /** The description type. */
    public static final String TYPE = "batch_norm";
    /** Keras's default momentum. */
    public static final double DEFAULT_MOMENTUM = 0.99;
    /** Keras's default epsilon. */
    public static final double DEFAULT_EPSILON = 1e-3;

    private final String name;
    private final Shape shape;
    private final double epsilon;
    private final double momentum;
    private final float[] gamma;
    private final float[] beta;
    private final float[] movingMean;
    private final float[] movingVariance;
    private final boolean trainable;

    /**
     * A layer with the given values (copied). {@code gamma} null means {@code scale=False} (γ = 1),
     * {@code beta} null means {@code center=False} (β = 0).
     *
     * @throws IllegalArgumentException naming the layer for a wrong length, a non-finite value, a
     *         negative moving variance, or {@code epsilon ≤ 0} / {@code momentum} outside [0, 1]
     */
    public BatchNorm(String name, Shape shape, double epsilon, double momentum, float[] gamma, float[] beta,
                     float[] movingMean, float[] movingVariance, boolean trainable) {
        this.name = Model.checkName(name);
        if (shape == null || shape.rank() < 1) {
            throw new IllegalArgumentException("layer '" + name + "' (batch_norm): needs an input shape with a channel axis, got "
                    + shape);
        }
        if (!(epsilon > 0) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("layer '" + name + "' (batch_norm): epsilon must be > 0 and momentum in [0, 1], got "
                    + epsilon + " and " + momentum);
        }
        this.shape = shape;
        this.epsilon = epsilon;
        this.momentum = momentum;
        int channels = shape.dim(shape.rank() - 1);
        this.gamma = gamma == null ? null : channelValues("gamma", gamma, channels);
        this.beta = beta == null ? null : channelValues("beta", beta, channels);
        this.movingMean = channelValues("moving_mean", movingMean, channels);
        this.movingVariance = channelValues("moving_variance", movingVariance, channels);
        for (int c = 0; c < channels; c++) {
            if (this.movingVariance[c] < 0) {
                throw new IllegalArgumentException("layer '" + name + "': moving_variance[" + c + "] is negative ("
                        + this.movingVariance[c] + ")");
            }
        }
        this.trainable = trainable;
    }

    private float[] channelValues(String what, float[] values, int channels) {
        if (values == null || values.length != channels) {
            throw new IllegalArgumentException("layer '" + name + "' (batch_norm): " + what + " needs " + channels
                    + " values (one per channel of " + shape + "), got " + (values == null ? "none" : values.length));
        }
        float[] copy = values.clone();
        Layers.requireFinite(name, what, copy);
        return copy;
    }

    /** A fresh BatchNorm with Keras's defaults: momentum 0.99, epsilon 1e-3, γ and β both used. */
    public static LayerSpec spec(String name) {
        return spec(name, DEFAULT_MOMENTUM, DEFAULT_EPSILON);
    }

    /** A fresh BatchNorm (γ = 1, β = 0, moving mean 0, moving variance 1) with the given momentum and epsilon. */
    public static LayerSpec spec(String name, double momentum, double epsilon) {
        return new ShapeOnlySpec(name, inputShape -> {
            int c = inputShape.dim(inputShape.rank() - 1);
            float[] ones = new float[c];
            Arrays.fill(ones, 1f);
            return new BatchNorm(name, inputShape, epsilon, momentum, ones, new float[c], new float[c], ones, true);
        });
    }

    /** Reads {@code batch_norm(epsilon, momentum, center, scale)} descriptions. */
    public static final class Type implements LayerType {
        @Override public String type() { return TYPE; }

        @Override
        public Layer create(String name, Shape inputShape, LayerDescription d, Map<String, float[]> p, boolean trainable) {
            boolean center = d.bool("center");
            boolean scale = d.bool("scale");
            return Layers.checkNames(new BatchNorm(name, inputShape, d.number("epsilon"), d.number("momentum"),
                    scale ? Layers.require(name, p, "gamma") : null, center ? Layers.require(name, p, "beta") : null,
                    Layers.require(name, p, "moving_mean"), Layers.require(name, p, "moving_variance"), trainable), p);
        }
    }

    @Override public String name() { return name; }
    @Override public Shape inputShape() { return shape; }
    @Override public Shape outputShape() { return shape; }
    @Override public boolean trainable() { return trainable; }

    /** Values per channel: the input's last dimension. */
    public int channels() {
        return shape.dim(shape.rank() - 1);
    }

    public double epsilon() { return epsilon; }
    public double momentum() { return momentum; }

    /** Whether β is used (Keras {@code center}). */
    public boolean center() { return beta != null; }

    /** Whether γ is used (Keras {@code scale}). */
    public boolean scale() { return gamma != null; }

    @Override
    public List<Parameter> parameters() {
        Shape c = Shape.vector(channels());
        List<Parameter> list = new ArrayList<>(4);
        if (gamma != null) {
            list.add(new Parameter("gamma", c, Parameter.Role.WEIGHT));
        }
        if (beta != null) {
            list.add(new Parameter("beta", c, Parameter.Role.BIAS));
        }
        list.add(new Parameter("moving_mean", c, Parameter.Role.STATE));
        list.add(new Parameter("moving_variance", c, Parameter.Role.STATE));
        return List.copyOf(list);
    }

    @Override
    public FloatBuffer parameterView(String parameter) {
        float[] values = switch (parameter) {
            case "gamma" -> gamma;
            case "beta" -> beta;
            case "moving_mean" -> movingMean;
            case "moving_variance" -> movingVariance;
            default -> null;
        };
        if (values == null) {
            throw new IllegalArgumentException(parameter(parameter).name()); // names the layer and its parameters
        }
        return FloatBuffer.wrap(values).asReadOnlyBuffer();
    }

    @Override
    public BatchNorm withParameters(Map<String, float[]> values) {
        Layers.checkNames(this, values);
        return new BatchNorm(name, shape, epsilon, momentum, values.getOrDefault("gamma", gamma),
                values.getOrDefault("beta", beta), values.getOrDefault("moving_mean", movingMean),
                values.getOrDefault("moving_variance", movingVariance), trainable);
    }

    @Override
    public LayerDescription description() {
        return LayerDescription.of(TYPE).with("epsilon", epsilon).with("momentum", momentum)
                .with("center", center()).with("scale", scale());
    }

    @Override
    public BatchNorm withTrainable(boolean newTrainable) {
        return newTrainable == trainable ? this
                : new BatchNorm(name, shape, epsilon, momentum, gamma, beta, movingMean, movingVariance, newTrainable);
    }

    @Override
    public BatchNorm withName(String newName) {
        return new BatchNorm(newName, shape, epsilon, momentum, gamma, beta, movingMean, movingVariance, trainable);
    }

    @Override
    public LayerOp op(OpContext context) {
        return new Op(context);
    }

    /** Over {@link NormalizationKernels}; keeps the batch statistics of the latest training forward for its backward. */
    private final class Op implements LayerOp {
        private final NormalizationKernels kernels;
        private final int channels = channels();
        private final int perSample = shape.size() / channels;
        private final float eps = (float) epsilon;
        private final float mom = (float) momentum;
        private final DeviceBuffer gammaBuffer;
        private final DeviceBuffer betaBuffer;
        private final DeviceBuffer mean;
        private final DeviceBuffer variance;
        private final DeviceBuffer gammaGrad;
        private final DeviceBuffer betaGrad;
        private final DeviceBuffer batchMean;
        private final DeviceBuffer batchVariance;
        private boolean lastTraining;

        Op(OpContext context) {
            kernels = context.kernels(NormalizationKernels.class);
            gammaBuffer = gamma == null ? null : context.parameter("gamma");
            betaBuffer = beta == null ? null : context.parameter("beta");
            mean = context.parameter("moving_mean");
            variance = context.parameter("moving_variance");
            gammaGrad = gamma == null ? null : context.gradient("gamma");
            betaGrad = beta == null ? null : context.gradient("beta");
            batchMean = context.trains() ? context.allocate(channels) : null;
            batchVariance = context.trains() ? context.allocate(channels) : null;
        }

        @Override
        public void forward(DeviceBuffer input, DeviceBuffer output, int rows, Pass pass) {
            int r = rows * perSample;
            lastTraining = pass.training() && batchMean != null;
            if (lastTraining) {
                kernels.batchNormTraining(r, channels, input, gammaBuffer, betaBuffer, eps, output, batchMean, batchVariance);
                kernels.updateMoving(channels, mean, batchMean, mom);
                kernels.updateMoving(channels, variance, batchVariance, mom);
            } else {
                kernels.batchNormInference(r, channels, input, gammaBuffer, betaBuffer, mean, variance, eps, output);
            }
        }

        @Override
        public void backward(DeviceBuffer input, DeviceBuffer output, DeviceBuffer g, DeviceBuffer inputGrad, int rows) {
            if (inputGrad == null && gammaGrad == null && betaGrad == null) {
                return;
            }
            kernels.batchNormBackward(lastTraining, rows * perSample, channels, input, g, gammaBuffer,
                    lastTraining ? batchMean : mean, lastTraining ? batchVariance : variance, eps,
                    inputGrad, gammaGrad, betaGrad);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BatchNorm b && name.equals(b.name) && shape.equals(b.shape) && epsilon == b.epsilon
                && momentum == b.momentum && Arrays.equals(gamma, b.gamma) && Arrays.equals(beta, b.beta)
                && Arrays.equals(movingMean, b.movingMean) && Arrays.equals(movingVariance, b.movingVariance)
                && trainable == b.trainable;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(movingMean);
    }

    @Override
    public String toString() {
        return "BatchNorm(" + name + ", " + shape + ", momentum " + momentum + ", epsilon " + epsilon
                + (trainable ? "" : ", frozen") + ")";
    }
}
