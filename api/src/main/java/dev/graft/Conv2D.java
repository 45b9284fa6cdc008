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
 * A 2-D convolution over channels-last images: {@code y = activation(x ⊛ kernel + bias)} with the
 * kernel (parameter {@code kernel}) in TensorFlow's and Keras's layout {@code [kh, kw, in, filters]}
 * and an optional bias (parameter {@code bias}, {@code [filters]}). Strides, dilation and
 * {@code valid}/{@code same} padding follow TensorFlow exactly (see {@link ConvWindow}). The
 * activation is fused like {@link Dense}'s. Runs over the backend's {@link ConvKernels}.
 */
public final class Conv2D implements Layer {

    /** The description type. */
    public static final String TYPE = "conv2d";

    private final String name;
    private final Shape inputShape;
    private final int filters;
    private final ConvWindow window;
    private final ConvGeometry geometry;
    private final Activation activation;
    private final ConvParameters params;
    private final boolean trainable;

    /**
     * A layer with the given parameters (copied).
     *
     * @param inputShape {@code [height, width, channels]}
     * @param kernel {@code [kh, kw, channels, filters]}, row-major
     * @param bias {@code [filters]}, or null for a layer without bias ({@code use_bias=False})
     * @throws IllegalArgumentException naming the layer for a wrong shape, a window that does not fit or a non-finite value
     */
    public Conv2D(String name, Shape inputShape, int filters, ConvWindow window, Activation activation,
                  float[] kernel, float[] bias, boolean trainable) {
        this.name = Model.checkName(name);
        if (filters < 1) {
            throw new IllegalArgumentException("layer '" + name + "' (conv2d): filters must be positive, got " + filters);
        }
        this.window = Objects.requireNonNull(window, "window");
        this.geometry = ConvLayers.geometry(name, TYPE, inputShape, window);
        this.inputShape = inputShape;
        this.filters = filters;
        this.activation = Objects.requireNonNull(activation, "activation");
        this.params = ConvParameters.of(name, TYPE, "kernel",
                new int[] {window.height(), window.width(), inputShape.dim(2), filters}, kernel, bias, filters);
        this.trainable = trainable;
    }

    /** A fresh layer with a {@code kernelSize × kernelSize} window, stride 1, {@code valid} padding and a bias. */
    public static Spec spec(String name, int filters, int kernelSize, Activation activation) {
        return spec(name, filters, ConvWindow.of(kernelSize), activation);
    }

    /** A fresh layer with the given window and a bias; kernel Glorot-uniform like Keras, bias zero. */
    public static Spec spec(String name, int filters, ConvWindow window, Activation activation) {
        return new Spec(name, filters, window, activation, true, Initializer.GLOROT_UNIFORM);
    }

    /** A fresh convolution, not yet placed: its input shape comes from the layer below. */
    public record Spec(String name, int filters, ConvWindow window, Activation activation, boolean useBias,
                       Initializer initializer) implements LayerSpec {

        /** The same spec without a bias (e.g. before a batch norm). */
        public Spec withoutBias() {
            return new Spec(name, filters, window, activation, false, initializer);
        }

        /** The same spec with another kernel initialiser (Keras's fans: {@code kh·kw·in}, {@code kh·kw·filters}). */
        public Spec initializer(Initializer init) {
            return new Spec(name, filters, window, activation, useBias, init);
        }

        @Override
        public Conv2D create(Shape inputShape, SplittableRandom random) {
            Shape image = ConvLayers.image(name, TYPE, inputShape);
            int area = window.height() * window.width();
            float[] k = initializer.values(Math.multiplyExact(area * image.dim(2), filters), area * image.dim(2),
                    area * filters, random);
            return new Conv2D(name, image, filters, window, activation, k, useBias ? new float[filters] : null, true);
        }
    }

    /** Reads {@code conv2d} descriptions (keys as {@link #description()} writes them). */
    public static final class Type implements LayerType {
        @Override public String type() { return TYPE; }

        @Override
        public Layer create(String name, Shape inputShape, LayerDescription d, Map<String, float[]> p, boolean trainable) {
            boolean useBias = d.bool("use_bias");
            return Layers.checkNames(new Conv2D(name, inputShape, d.integer("filters"), ConvLayers.convWindow(d),
                    Activation.parse(d.string("activation")), Layers.require(name, p, "kernel"),
                    useBias ? Layers.require(name, p, "bias") : null, trainable), p);
        }
    }

    @Override public String name() { return name; }
    @Override public Shape inputShape() { return inputShape; }
    @Override public Shape outputShape() { return ConvLayers.output(geometry, filters); }
    @Override public boolean trainable() { return trainable; }
    public int filters() { return filters; }
    public ConvWindow window() { return window; }
    public Activation activation() { return activation; }
    public boolean useBias() { return params.bias() != null; }

    @Override
    public List<Parameter> parameters() {
        return params.list();
    }

    @Override
    public FloatBuffer parameterView(String parameter) {
        return params.view(this, parameter);
    }

    @Override
    public Conv2D withParameters(Map<String, float[]> values) {
        Layers.checkNames(this, values);
        return new Conv2D(name, inputShape, filters, window, activation, params.kernelFrom(values),
                params.biasFrom(values), trainable);
    }

    @Override
    public LayerDescription description() {
        return ConvLayers.withConvWindow(LayerDescription.of(TYPE).with("filters", filters), window)
                .with("activation", activation.toString())
                .with("use_bias", useBias());
    }

    @Override
    public boolean endsInSoftmax() {
        return activation.kind() == Activation.Kind.SOFTMAX;
    }

    @Override
    public Conv2D withTrainable(boolean trainable) {
        return trainable == this.trainable ? this
                : new Conv2D(name, inputShape, filters, window, activation, params.kernel(), params.bias(), trainable);
    }

    @Override
    public Conv2D withName(String newName) {
        return new Conv2D(newName, inputShape, filters, window, activation, params.kernel(), params.bias(), trainable);
    }

    @Override
    public LayerOp op(OpContext context) {
        ConvKernels conv = context.kernels(ConvKernels.class);
        DeviceBuffer kernelBuffer = context.parameter("kernel");
        DeviceBuffer biasBuffer = useBias() ? context.parameter("bias") : null;
        return new ConvActivationOp(context, activation, geometry.outPixels(), filters, "kernel", useBias()) {
            @Override
            void convolve(DeviceBuffer input, DeviceBuffer output, int rows) {
                conv.conv2d(geometry, rows, input, kernelBuffer, filters, biasBuffer, output);
            }

            @Override
            void kernelGradient(DeviceBuffer input, DeviceBuffer g, DeviceBuffer kernelGrad, int rows) {
                conv.conv2dBackwardKernel(geometry, rows, input, g, filters, kernelGrad);
            }

            @Override
            void inputGradient(DeviceBuffer g, DeviceBuffer inputGrad, int rows) {
                conv.conv2dBackwardInput(geometry, rows, g, kernelBuffer, filters, inputGrad);
            }
        };
    }

    @Override
    public String toString() {
        return "Conv2D(" + name + ", " + inputShape + " -> " + outputShape() + ", " + filters + " filters " + window
                + ", " + activation + (useBias() ? "" : ", no bias") + (trainable ? "" : ", frozen") + ")";
    }
}
