package dev.graft;

import dev.graft.exec.LayerOp;
import dev.graft.exec.OpContext;
import dev.graft.exec.Pass;
import dev.graft.spi.Backend;
import dev.graft.spi.DeviceBuffer;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A fully connected layer: {@code y = activation(x · W + b)} with {@code W} (parameter
 * {@code kernel}) stored row-major as {@code [inputWidth, outputWidth]} (TensorFlow's and Keras'
 * orientation) and {@code b} (parameter {@code bias}) of length {@code outputWidth}. The activation
 * is fused into the layer (one kernel after the GEMM); use an {@link ActivationLayer} for a
 * separate one.
 *
 * <p>The arrays are copied in and out, so a {@code Dense} can be shared freely; use
 * {@link #weightsView()} to read large weights without a copy.
 */
public final class Dense implements Layer {

    /** The description type. */
    public static final String TYPE = "dense";

    private final String name;
    private final int inputWidth;
    private final int outputWidth;
    private final Activation activation;
    private final float[] weights;
    private final float[] bias;
    private final boolean trainable;

    /**
     * A layer with the given parameters (copied).
     *
     * @throws IllegalArgumentException naming the layer if an array's length does not fit the widths
     *         or a value is not finite
     */
    public Dense(String name, int inputWidth, int outputWidth, Activation activation,
                 float[] weights, float[] bias, boolean trainable) {
        this.name = Model.checkName(name);
        if (inputWidth <= 0 || outputWidth <= 0) {
            throw new IllegalArgumentException("layer '" + name + "': widths must be positive, got "
                    + inputWidth + " -> " + outputWidth);
        }
        this.inputWidth = inputWidth;
        this.outputWidth = outputWidth;
        this.activation = Objects.requireNonNull(activation, "activation");
        if (weights.length != (long) inputWidth * outputWidth) {
            throw new IllegalArgumentException("layer '" + name + "': weights have " + weights.length
                    + " values, expected " + inputWidth + " x " + outputWidth + " = "
                    + (long) inputWidth * outputWidth);
        }
        if (bias.length != outputWidth) {
            throw new IllegalArgumentException("layer '" + name + "': bias has " + bias.length
                    + " values, expected " + outputWidth);
        }
        this.weights = weights.clone();
        this.bias = bias.clone();
        Layers.requireFinite(name, "weights", this.weights);
        Layers.requireFinite(name, "bias", this.bias);
        this.trainable = trainable;
    }

    /** A trainable layer with the given parameters. */
    public Dense(String name, int inputWidth, int outputWidth, Activation activation, float[] weights, float[] bias) {
        this(name, inputWidth, outputWidth, activation, weights, bias, true);
    }

    /** A fresh layer to be placed by surgery or a model builder; initialised by {@link Initializer#defaultFor}. */
    public static Spec spec(String name, int outputWidth, Activation activation) {
        return new Spec(name, outputWidth, activation, Initializer.defaultFor(activation));
    }

    /** A fresh dense layer, not yet placed: its input width comes from the layer below. */
    public record Spec(String name, int outputWidth, Activation activation, Initializer initializer)
            implements LayerSpec {

        /** The same spec with another weight initialiser (biases always start at zero). */
        public Spec initializer(Initializer init) {
            return new Spec(name, outputWidth, activation, init);
        }

        @Override
        public Dense create(Shape inputShape, SplittableRandom random) {
            int inputWidth = Layers.vectorWidth(name, "dense", inputShape);
            return new Dense(name, inputWidth, outputWidth, activation,
                    initializer.weights(inputWidth, outputWidth, random), new float[outputWidth], true);
        }
    }

    /** Reads {@code dense(units, activation)} descriptions; a missing {@code bias} is zeros (a layer stored without one). */
    public static final class Type implements LayerType {
        @Override public String type() { return TYPE; }

        @Override
        public Layer create(String name, Shape inputShape, LayerDescription d, Map<String, float[]> p, boolean trainable) {
            int in = Layers.vectorWidth(name, TYPE, inputShape);
            int units = d.integer("units");
            float[] bias = p.get("bias");
            return new Dense(name, in, units, Activation.parse(d.string("activation")),
                    Layers.require(name, p, "kernel"), bias == null ? new float[Math.max(units, 0)] : bias, trainable);
        }
    }

    /** The description of a dense layer with these settings, as {@link #description()} gives it. */
    public static LayerDescription describe(int units, Activation activation) {
        return LayerDescription.of(TYPE).with("units", units).with("activation", activation.toString());
    }

    @Override public String name() { return name; }
    @Override public Shape inputShape() { return Shape.vector(inputWidth); }
    @Override public Shape outputShape() { return Shape.vector(outputWidth); }
    @Override public int inputWidth() { return inputWidth; }
    @Override public int outputWidth() { return outputWidth; }
    @Override public boolean trainable() { return trainable; }
    public Activation activation() { return activation; }

    /** A copy of the weights, row-major {@code [inputWidth, outputWidth]}. */
    public float[] weights() { return weights.clone(); }

    /** A copy of the bias. */
    public float[] bias() { return bias.clone(); }

    /** The weights without copying, read-only. */
    public FloatBuffer weightsView() { return FloatBuffer.wrap(weights).asReadOnlyBuffer(); }

    /** The bias without copying, read-only. */
    public FloatBuffer biasView() { return FloatBuffer.wrap(bias).asReadOnlyBuffer(); }

    @Override
    public List<Parameter> parameters() {
        return List.of(new Parameter("kernel", Shape.of(inputWidth, outputWidth), Parameter.Role.WEIGHT),
                new Parameter("bias", Shape.vector(outputWidth), Parameter.Role.BIAS));
    }

    @Override
    public FloatBuffer parameterView(String parameter) {
        return switch (parameter) {
            case "kernel" -> weightsView();
            case "bias" -> biasView();
            default -> throw new IllegalArgumentException(parameter(parameter).name()); // names the layer
        };
    }

    @Override
    public Dense withParameters(Map<String, float[]> values) {
        Layers.checkNames(this, values);
        return new Dense(name, inputWidth, outputWidth, activation, values.getOrDefault("kernel", weights),
                values.getOrDefault("bias", bias), trainable);
    }

    @Override
    public LayerDescription description() {
        return describe(outputWidth, activation);
    }

    @Override
    public boolean endsInSoftmax() {
        return activation.kind() == Activation.Kind.SOFTMAX;
    }

    @Override public long parameterCount() { return (long) weights.length + bias.length; }

    @Override
    public Dense withTrainable(boolean trainable) {
        return trainable == this.trainable ? this : new Dense(name, inputWidth, outputWidth, activation, weights, bias, trainable);
    }

    /** The same layer with new parameter values (copied); shapes must match. */
    public Dense withParameters(float[] weights, float[] bias) {
        return new Dense(name, inputWidth, outputWidth, activation, weights, bias, trainable);
    }

    @Override
    public Dense withName(String newName) {
        return new Dense(newName, inputWidth, outputWidth, activation, weights, bias, trainable);
    }

    /** Whether both layers hold bit-identical parameters (NaN-safe, {@code -0f != 0f}). */
    public boolean sameParameters(Dense other) {
        return java.util.Arrays.equals(weights, other.weights) && java.util.Arrays.equals(bias, other.bias);
    }

    @Override
    public LayerOp op(OpContext context) {
        return new Op(context);
    }

    /** GEMM, then bias and activation fused in one kernel; backward from the activation's output. */
    private final class Op implements LayerOp {
        private final OpContext context;
        private final Backend backend;
        private final DeviceBuffer kernel;
        private final DeviceBuffer biasBuffer;
        private final DeviceBuffer kernelGrad;
        private final DeviceBuffer biasGrad;
        /** The pre-activation of the latest forward, kept only for activations differentiated from their input (swish). */
        private final DeviceBuffer preActivation;
        private Activation applied = Activation.IDENTITY;

        Op(OpContext context) {
            this.context = context;
            this.backend = context.backend();
            this.kernel = context.parameter("kernel");
            this.biasBuffer = context.parameter("bias");
            this.kernelGrad = context.gradient("kernel");
            this.biasGrad = context.gradient("bias");
            this.preActivation = context.trains() && !activation.derivativeFromOutput()
                    ? context.allocate((long) context.maxBatch() * outputWidth) : null;
        }

        @Override
        public void forward(DeviceBuffer input, DeviceBuffer output, int rows, Pass pass) {
            Activation act = pass.logits() ? Activation.IDENTITY : activation;
            backend.gemm(false, false, rows, outputWidth, inputWidth, 1f, input, kernel, 0f, output);
            if (preActivation != null && !act.derivativeFromOutput()) {
                backend.biasActivation(output, biasBuffer, rows, outputWidth, Activation.IDENTITY);
                backend.copy(output, 0, preActivation, 0, (long) rows * outputWidth);
                backend.biasActivation(output, null, rows, outputWidth, act);
            } else {
                backend.biasActivation(output, biasBuffer, rows, outputWidth, act);
            }
            applied = act;
        }

        @Override
        public boolean appliesSgdItself() {
            return true;
        }

        @Override
        public void backward(DeviceBuffer input, DeviceBuffer output, DeviceBuffer g, DeviceBuffer inputGrad, int rows) {
            float rate = kernelGrad == null ? Float.NaN : context.foldedSgdRate();
            boolean folded = !Float.isNaN(rate);
            // The bias gradient comes from the same pass as the activation's derivative; folded, it is the update bias -= rate·Σg.
            backend.activationBackwardAndColumnSums(applied.derivativeFromOutput() ? output : preActivation, g, rows,
                    outputWidth, applied, folded ? -rate : 1f, biasGrad == null ? null : folded ? biasBuffer : biasGrad,
                    folded ? 1f : 0f);
            if (folded) {
                // The input gradient reads the old kernel, so it comes first; then kernel -= rate·inputᵀg.
                if (inputGrad != null) {
                    backend.gemm(false, true, rows, inputWidth, outputWidth, 1f, g, kernel, 0f, inputGrad);
                }
                backend.gemm(true, false, inputWidth, outputWidth, rows, -rate, input, g, 1f, kernel);
                return;
            }
            if (kernelGrad != null) {
                backend.gemm(true, false, inputWidth, outputWidth, rows, 1f, input, g, 0f, kernelGrad);
            }
            if (inputGrad != null) {
                backend.gemm(false, true, rows, inputWidth, outputWidth, 1f, g, kernel, 0f, inputGrad);
            }
        }
    }

    @Override
    public String toString() {
        return "Dense(" + name + ", " + inputWidth + " -> " + outputWidth + ", " + activation
                + (trainable ? "" : ", frozen") + ")";
    }
}
