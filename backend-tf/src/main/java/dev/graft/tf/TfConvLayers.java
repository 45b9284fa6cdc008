package dev.graft.tf;

import dev.graft.Activation;
import dev.graft.AvgPool2D;
import dev.graft.Conv2D;
import dev.graft.ConvWindow;
import dev.graft.DepthwiseConv2D;
import dev.graft.Flatten;
import dev.graft.GlobalAveragePooling2D;
import dev.graft.GlobalMaxPooling2D;
import dev.graft.Layer;
import dev.graft.MaxPool2D;
import dev.graft.Shape;
import dev.graft.ZeroPadding2D;
import dev.graft.spi.ZeroPadding;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.Conv2dBackpropFilter;
import org.tensorflow.op.nn.Conv2dBackpropInput;
import org.tensorflow.op.nn.DepthwiseConv2dNative;
import org.tensorflow.op.nn.DepthwiseConv2dNativeBackpropFilter;
import org.tensorflow.op.nn.DepthwiseConv2dNativeBackpropInput;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The convolutional layer types as TF graph ops ({@code Conv2D}, {@code DepthwiseConv2dNative}, {@code MaxPool}, {@code AvgPool},
 * {@code Mean}, {@code Max}, {@code PadV2}). Between layers the graph carries each sample as one
 * flat row ({@code [batch, h·w·c]}, channels-last), as the rest of the TF graphs do; a layer
 * reshapes it to NHWC, applies its op and flattens the result (reshapes cost no copy in TF).
 *
 * <p>{@code DepthwiseConv2D} ({@code DepthwiseConv2dNative}) and dilated {@code Conv2D} compile too, but
 * TensorFlow's C++ gradient registry, which {@code Graph.addGradients} uses, has no gradient for
 * {@code DepthwiseConv2dNative} and drops {@code Conv2D}'s dilations. So such a convolution is a
 * {@link Cut}: the train graph differentiates up to its output, writes its backprop ops itself
 * ({@link #backpropFilter}, {@link #backpropInput}, with the dilations) and goes on below it.
 */
final class TfConvLayers {

    private TfConvLayers() {
    }

    /**
     * A convolution whose gradient the train graph writes itself: {@code image} (NHWC) is its input,
     * {@code output} the convolution before bias and activation, {@code kernel} its filter variable.
     */
    record Cut(int layerIndex, Layer layer, Operand<TFloat32> image, Operand<TFloat32> output, TfModelGraph.Var kernel) {
    }

    /** Whether this is a convolutional layer type the TF graphs compile. */
    static boolean compiles(Layer layer) {
        return layer instanceof Conv2D || layer instanceof DepthwiseConv2D || layer instanceof MaxPool2D
                || layer instanceof AvgPool2D || layer instanceof GlobalAveragePooling2D || layer instanceof GlobalMaxPooling2D || layer instanceof Flatten || layer instanceof ZeroPadding2D;
    }

    /**
     * {@code layer} applied to flat rows {@code x}, giving flat rows; {@code vars} holds its
     * parameters' variables by name; with {@code logits} a fused softmax is left out.
     */
    static Operand<TFloat32> apply(Ops tf, Layer layer, Operand<TFloat32> x, Map<String, TfModelGraph.Var> vars,
                                   boolean logits) {
        return apply(tf, -1, layer, x, vars, logits, null);
    }

    /** As above; a depthwise or dilated convolution (layer {@code index}) is added to {@code cuts} unless it is null. */
    static Operand<TFloat32> apply(Ops tf, int index, Layer layer, Operand<TFloat32> x, Map<String, TfModelGraph.Var> vars,
                                   boolean logits, List<Cut> cuts) {
        Shape in = layer.inputShape();
        if (layer instanceof Flatten) {
            return x;
        }
        Operand<TFloat32> image = tf.reshape(x, tf.constant(new int[] {-1, in.dim(0), in.dim(1), in.dim(2)}));
        Operand<TFloat32> y;
        if (layer instanceof Conv2D conv) {
            ConvWindow w = conv.window();
            y = tf.nn.conv2d(image, vars.get("kernel").variable(), strides(w), padding(w),
                    org.tensorflow.op.nn.Conv2d.dilations(dilations(w)));
            if (cuts != null && dilated(w)) {
                cuts.add(new Cut(index, layer, image, y, vars.get("kernel")));
            }
            if (conv.useBias()) {
                y = tf.nn.biasAdd(y, vars.get("bias").variable());
            }
            y = logits ? y : TfActivations.forward(tf, y, conv.activation());
        } else if (layer instanceof DepthwiseConv2D dw) {
            ConvWindow w = dw.window();
            y = tf.nn.depthwiseConv2dNative(image, vars.get("depthwise_kernel").variable(), strides(w), padding(w),
                    DepthwiseConv2dNative.dilations(dilations(w)));
            if (cuts != null) {
                cuts.add(new Cut(index, layer, image, y, vars.get("depthwise_kernel")));
            }
            if (dw.useBias()) {
                y = tf.nn.biasAdd(y, vars.get("bias").variable());
            }
            y = logits ? y : TfActivations.forward(tf, y, dw.activation());
        } else if (layer instanceof MaxPool2D max) {
            ConvWindow w = max.window();
            y = tf.nn.maxPool(image, tf.constant(new int[] {1, w.height(), w.width(), 1}),
                    tf.constant(new int[] {1, w.strideHeight(), w.strideWidth(), 1}), padding(w));
        } else if (layer instanceof AvgPool2D avg) {
            ConvWindow w = avg.window();
            y = tf.nn.avgPool(image, List.of(1L, (long) w.height(), (long) w.width(), 1L), strides(w), padding(w));
        } else if (layer instanceof GlobalAveragePooling2D) {
            y = tf.math.mean(image, tf.constant(new int[] {1, 2}));
        } else if (layer instanceof GlobalMaxPooling2D) {
            y = tf.max(image, tf.constant(new int[] {1, 2}));
        } else if (layer instanceof ZeroPadding2D zp) {
            ZeroPadding p = zp.padding();
            y = tf.pad(image, tf.constant(new int[][] {{0, 0}, {p.top(), p.bottom()}, {p.left(), p.right()}, {0, 0}}),
                    tf.constant(0f));
        } else {
            throw new IllegalArgumentException("layer '" + layer.name() + "' (" + layer.description().type()
                    + ") has no TF graph op");
        }
        return tf.reshape(y, tf.constant(new int[] {-1, layer.outputShape().size()}));
    }

    /** A softmax (or other activation) over the last axis of samples of {@code shape}, on flat rows. */
    static Operand<TFloat32> activation(Ops tf, Operand<TFloat32> x, Shape shape, Activation activation) {
        if (shape.rank() <= 1 || activation.kind() != Activation.Kind.SOFTMAX) {
            return TfActivations.forward(tf, x, activation);
        }
        Operand<TFloat32> rows = tf.reshape(x, tf.constant(new int[] {-1, shape.dim(shape.rank() - 1)}));
        return tf.reshape(TfActivations.forward(tf, rows, activation), tf.constant(new int[] {-1, shape.size()}));
    }

    /** The gradient of a cut's filter, given the gradient {@code g} of its output. */
    static Operand<TFloat32> backpropFilter(Ops tf, Cut cut, Operand<TFloat32> g) {
        Operand<TInt32> shape = tf.constant(cut.kernel().parameter().shape().toList().stream().mapToInt(Integer::intValue).toArray());
        if (cut.layer() instanceof DepthwiseConv2D dw) {
            ConvWindow w = dw.window();
            return tf.nn.depthwiseConv2dNativeBackpropFilter(cut.image(), shape, g, strides(w), padding(w),
                    DepthwiseConv2dNativeBackpropFilter.dilations(dilations(w)));
        }
        ConvWindow w = ((Conv2D) cut.layer()).window();
        return tf.nn.conv2dBackpropFilter(cut.image(), shape, g, strides(w), padding(w),
                Conv2dBackpropFilter.dilations(dilations(w)));
    }

    /** The gradient of a cut's input image, given the gradient {@code g} of its output. */
    static Operand<TFloat32> backpropInput(Ops tf, Cut cut, Operand<TFloat32> g) {
        Operand<TInt32> shape = tf.shape(cut.image());
        Operand<TFloat32> kernel = cut.kernel().variable();
        if (cut.layer() instanceof DepthwiseConv2D dw) {
            ConvWindow w = dw.window();
            return tf.nn.depthwiseConv2dNativeBackpropInput(shape, kernel, g, strides(w), padding(w),
                    DepthwiseConv2dNativeBackpropInput.dilations(dilations(w)));
        }
        ConvWindow w = ((Conv2D) cut.layer()).window();
        return tf.nn.conv2dBackpropInput(shape, kernel, g, strides(w), padding(w), Conv2dBackpropInput.dilations(dilations(w)));
    }

    private static boolean dilated(ConvWindow w) {
        return w.dilationHeight() != 1 || w.dilationWidth() != 1;
    }

    private static List<Long> dilations(ConvWindow w) {
        return List.of(1L, (long) w.dilationHeight(), (long) w.dilationWidth(), 1L);
    }

    private static List<Long> strides(ConvWindow w) {
        return List.of(1L, (long) w.strideHeight(), (long) w.strideWidth(), 1L);
    }

    private static String padding(ConvWindow w) {
        return w.padding().name();
    }
}
