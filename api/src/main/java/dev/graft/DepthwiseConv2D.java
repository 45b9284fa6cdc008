package dev.graft;

import dev.graft.exec.LayerOp;
import dev.graft.exec.OpContext;
import dev.graft.spi.ConvGeometry;
import dev.graft.spi.ConvKernels;
import dev.graft.spi.DeviceBuffer;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A depthwise 2-D convolution (MobileNet's building block): each input channel is convolved with
 * its own {@code depth_multiplier} filters, {@code y = activation(x ⊛ depthwise_kernel + bias)},
 * the kernel (parameter {@code depthwise_kernel}) in TensorFlow's layout
 * {@code [kh, kw, in, multiplier]}, output channel {@code c·multiplier + m}, optional bias
 * {@code [in·multiplier]}. Window, padding and fused activation as {@link Conv2D}. Runs over the
 * backend's {@link ConvKernels}.
 */
public final class DepthwiseConv2D implements Layer {

    /** The description type. */
    public static final String TYPE = "depthwise_conv2d";

    private final String name;
    private final Shape inputShape;
    private final int multiplier;
    private final ConvWindow window;
    private final ConvGeometry geometry;
    private final Activation activation;
    private final ConvParameters params;
    private final boolean trainable;

    /**
     * A layer with the given parameters (copied).
     *
     * @param inputShape {@code [height, width, channels]}
     * @param kernel {@code [kh, kw, channels, multiplier]}, row-major
     * @param bias {@code [channels·multiplier]}, or null for none
     * @throws IllegalArgumentException naming the layer for a wrong shape, a window that does not fit or a non-finite value
     */
    public DepthwiseConv2D(String name, Shape inputShape, int multiplier, ConvWindow window, Activation activation,
                           float[] kernel, float[] bias, boolean trainable) {
        this.name = Model.checkName(name);
        if (multiplier < 1) {
            throw new IllegalArgumentException("layer '" + name + "' (depthwise_conv2d): depth multiplier must be positive, got "
                    + multiplier);
        }
        this.window = Objects.requireNonNull(window, "window");
        this.geometry = ConvLayers.geometry(name, TYPE, inputShape, window);
        this.inputShape = inputShape;
        this.multiplier = multiplier;
        this.activation = Objects.requireNonNull(activation, "activation");
        this.params = ConvParameters.of(name, TYPE, "depthwise_kernel",
                new int[] {window.height(), window.width(), inputShape.dim(2), multiplier}, kernel, bias, outChannels());
        this.trainable = trainable;
    }

    /** A fresh layer (depth multiplier 1, with bias) with the given window; kernel Glorot-uniform like Keras. */
    public static Spec spec(String name, ConvWindow window, Activation activation) {
        return new Spec(name, 1, window, activation, true, Initializer.GLOROT_UNIFORM);
    }

    /** A fresh depthwise convolution, not yet placed: its input shape comes from the layer below. */
    public record Spec(String name, int multiplier, ConvWindow window, Activation activation, boolean useBias,
                       Initializer initializer) implements LayerSpec {

        /** The same spec without a bias. */
        public Spec withoutBias() {
            return new Spec(name, multiplier, window, activation, false, initializer);
        }

        /** The same spec with another depth multiplier. */
        public Spec multiplier(int depthMultiplier) {
            return new Spec(name, depthMultiplier, window, activation, useBias, initializer);
        }

        @Override
        public DepthwiseConv2D create(Shape inputShape, SplittableRandom random) {
            Shape image = ConvLayers.image(name, TYPE, inputShape);
            int area = window.height() * window.width();
            int channels = image.dim(2);
            // Keras's fans for a depthwise kernel [kh, kw, in, mult]: kh·kw·in in, kh·kw·mult out.
            float[] k = initializer.values(Math.multiplyExact(area * channels, multiplier), area * channels,
                    area * multiplier, random);
            return new DepthwiseConv2D(name, image, multiplier, window, activation, k,
                    useBias ? new float[channels * multiplier] : null, true);
        }
    }

    /** Reads {@code depthwise_conv2d} descriptions. */
    public static final class Type implements LayerType {
        @Override public String type() { return TYPE; }

        @Override
        public Layer create(String name, Shape inputShape, LayerDescription d, Map<String, float[]> p, boolean trainable) {
            boolean useBias = d.bool("use_bias");
            return Layers.checkNames(new DepthwiseConv2D(name, inputShape, d.integer("depth_multiplier"),
                    ConvLayers.convWindow(d), Activation.parse(d.string("activation")),
                    Layers.require(name, p, "depthwise_kernel"), useBias ? Layers.require(name, p, "bias") : null,
                    trainable), p);
        }
    }

    @Override public String name() { return name; }
    @Override public Shape inputShape() { return inputShape; }
    @Override public Shape outputShape() { return ConvLayers.output(geometry, outChannels()); }
    @Override public boolean trainable() { return trainable; }
    public int multiplier() { return multiplier; }
    public ConvWindow window() { return window; }
    public Activation activation() { return activation; }
    public boolean useBias() { return params.bias() != null; }

    private int outChannels() {
        return inputShape.dim(2) * multiplier;
    }

    @Override
    public List<Parameter> parameters() {
        return params.list();
    }

    @Override
    public FloatBuffer parameterView(String parameter) {
        return params.view(this, parameter);
    }

    @Override
    public DepthwiseConv2D withParameters(Map<String, float[]> values) {
        Layers.checkNames(this, values);
        return new DepthwiseConv2D(name, inputShape, multiplier, window, activation, params.kernelFrom(values),
                params.biasFrom(values), trainable);
    }

    @Override
    public LayerDescription description() {
        return ConvLayers.withConvWindow(LayerDescription.of(TYPE), window)
                .with("depth_multiplier", multiplier)
                .with("activation", activation.toString())
                .with("use_bias", useBias());
    }

    @Override
    public boolean endsInSoftmax() {
        return activation.kind() == Activation.Kind.SOFTMAX;
    }

    @Override
    public DepthwiseConv2D withTrainable(boolean trainable) {
        return trainable == this.trainable ? this
                : new DepthwiseConv2D(name, inputShape, multiplier, window, activation, params.kernel(), params.bias(),
                        trainable);
    }

    @Override
    public DepthwiseConv2D withName(String newName) {
        return new DepthwiseConv2D(newName, inputShape, multiplier, window, activation, params.kernel(), params.bias(),
                trainable);
    }

    @Override
    public LayerOp op(OpContext context) {
        ConvKernels conv = context.kernels(ConvKernels.class);
        DeviceBuffer kernelBuffer = context.parameter("depthwise_kernel");
        DeviceBuffer biasBuffer = useBias() ? context.parameter("bias") : null;
        return new ConvActivationOp(context, activation, geometry.outPixels(), outChannels(), "depthwise_kernel", useBias()) {
            @Override
            void convolve(DeviceBuffer input, DeviceBuffer output, int rows) {
                conv.depthwiseConv2d(geometry, rows, input, kernelBuffer, multiplier, biasBuffer, output);
            }

            @Override
            void kernelGradient(DeviceBuffer input, DeviceBuffer g, DeviceBuffer kernelGrad, int rows) {
                conv.depthwiseBackwardKernel(geometry, rows, input, g, multiplier, kernelGrad);
            }

            @Override
            void inputGradient(DeviceBuffer g, DeviceBuffer inputGrad, int rows) {
                conv.depthwiseBackwardInput(geometry, rows, g, kernelBuffer, multiplier, inputGrad);
            }
        };
    }

    @Override
    public String toString() {
        return "DepthwiseConv2D(" + name + ", " + inputShape + " -> " + outputShape() + ", " + window + ", x" + multiplier
                + ", " + activation + (useBias() ? "" : ", no bias") + (trainable ? "" : ", frozen") + ")";
    }
}
