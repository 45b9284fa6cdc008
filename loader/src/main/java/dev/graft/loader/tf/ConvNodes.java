package dev.graft.loader.tf;

import static dev.graft.loader.tf.TfCheckpointWriter.node;
import static dev.graft.loader.tf.TfCheckpointWriter.shape;
import static dev.graft.loader.tf.TfCheckpointWriter.type;

import dev.graft.ActivationLayer;
import dev.graft.AvgPool2D;
import dev.graft.BatchNorm;
import dev.graft.Conv2D;
import dev.graft.ConvWindow;
import dev.graft.DepthwiseConv2D;
import dev.graft.Flatten;
import dev.graft.GlobalAveragePooling2D;
import dev.graft.GlobalMaxPooling2D;
import dev.graft.Layer;
import dev.graft.MaxPool2D;
import dev.graft.Parameter;
import dev.graft.ZeroPadding2D;
import dev.graft.spi.ZeroPadding;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.TensorProto;

/**
 * The graph nodes {@link TfCheckpointWriter} writes for image layers, as TF1's {@code tf.nn} ops write them
 * (NHWC): {@code Conv2D} (with its dilations) and {@code DepthwiseConv2dNative} of a filter variable, bias add and
 * activation op; {@code MaxPool}/{@code AvgPool}; {@code Mean}/{@code Max} over height and width;
 * {@code FusedBatchNormV3} in inference mode; {@code Pad} with zeros; {@code Reshape} to vectors. Variables are
 * {@code <layer>/<parameter>} ({@code kernel}, {@code bias}, {@code depthwise_kernel}, {@code gamma}, {@code beta},
 * {@code moving_mean}, {@code moving_variance}); Graft's loader reads the graph back as the same layers.
 */
final class ConvNodes {

    private ConvNodes() {
    }

    /** Whether {@link #write} writes this layer. */
    static boolean writes(Layer layer) {
        return layer instanceof Conv2D || layer instanceof DepthwiseConv2D || layer instanceof MaxPool2D
                || layer instanceof AvgPool2D || layer instanceof GlobalAveragePooling2D || layer instanceof GlobalMaxPooling2D
                || layer instanceof Flatten || layer instanceof ZeroPadding2D || layer instanceof ActivationLayer
                || (layer instanceof BatchNorm bn && bn.inputShape().rank() == 3);
    }

    /** Writes {@code layer} applied to tensor {@code x} (and its variables into {@code bundle}); returns its output tensor. */
    static String write(GraphDef.Builder graph, BundleWriter bundle, Layer layer, String x) {
        String s = layer.name() + "/";
        for (Parameter p : layer.parameters()) {
            long[] dims = java.util.Arrays.stream(p.shape().dims()).asLongStream().toArray();
            bundle.add(s + p.name(), dims, layer.parameterValues(p.name()));
            TfCheckpointWriter.variable(graph, s + p.name(), shape(dims));
        }
        if (layer instanceof Conv2D conv) {
            graph.addNode(window(node(s + "Conv2D", "Conv2D", x, s + "kernel/read"), conv.window())
                    .putAttr("dilations", ints(1, conv.window().dilationHeight(), conv.window().dilationWidth(), 1)));
            return biasAndActivation(graph, s, s + "Conv2D", conv.useBias(), conv.activation());
        }
        if (layer instanceof DepthwiseConv2D dw) {
            graph.addNode(window(node(s + "depthwise", "DepthwiseConv2dNative", x, s + "depthwise_kernel/read"), dw.window())
                    .putAttr("dilations", ints(1, dw.window().dilationHeight(), dw.window().dilationWidth(), 1)));
            return biasAndActivation(graph, s, s + "depthwise", dw.useBias(), dw.activation());
        }
        if (layer instanceof MaxPool2D || layer instanceof AvgPool2D) {
            ConvWindow w = layer instanceof MaxPool2D m ? m.window() : ((AvgPool2D) layer).window();
            String op = layer instanceof MaxPool2D ? "MaxPool" : "AvgPool";
            graph.addNode(window(node(s + op, op, x), w).putAttr("ksize", ints(1, w.height(), w.width(), 1)));
            return s + op;
        }
        if (layer instanceof GlobalAveragePooling2D || layer instanceof GlobalMaxPooling2D) {
            String op = layer instanceof GlobalMaxPooling2D ? "Max" : "Mean";
            graph.addNode(intConstant(s + "axes", new int[] {1, 2}, 2));
            graph.addNode(node(s + op, op, x, s + "axes").putAttr("T", type()).putAttr("Tidx", type(DataType.DT_INT32))
                    .putAttr("keep_dims", AttrValue.newBuilder().setB(false).build()));
            return s + op;
        }
        if (layer instanceof Flatten) {
            graph.addNode(intConstant(s + "shape", new int[] {-1, layer.outputShape().size()}, 2));
            graph.addNode(node(s + "Reshape", "Reshape", x, s + "shape").putAttr("T", type())
                    .putAttr("Tshape", type(DataType.DT_INT32)));
            return s + "Reshape";
        }
        if (layer instanceof ZeroPadding2D zp) {
            ZeroPadding p = zp.padding();
            graph.addNode(intConstant(s + "paddings", new int[] {0, 0, p.top(), p.bottom(), p.left(), p.right(), 0, 0}, 4, 2));
            graph.addNode(node(s + "Pad", "Pad", x, s + "paddings").putAttr("T", type()).putAttr("Tpaddings", type(DataType.DT_INT32)));
            return s + "Pad";
        }
        if (layer instanceof BatchNorm bn) {
            int c = bn.channels();
            String gamma = bn.scale() ? s + "gamma/read" : floatConstant(graph, s + "ones", 1f, c);
            String beta = bn.center() ? s + "beta/read" : floatConstant(graph, s + "zeros", 0f, c);
            graph.addNode(node(s + "FusedBatchNormV3", "FusedBatchNormV3", x, gamma, beta, s + "moving_mean/read",
                    s + "moving_variance/read").putAttr("T", type()).putAttr("U", type())
                    .putAttr("epsilon", AttrValue.newBuilder().setF((float) bn.epsilon()).build())
                    .putAttr("is_training", AttrValue.newBuilder().setB(false).build()).putAttr("data_format", nhwc()));
            return s + "FusedBatchNormV3";
        }
        ActivationLayer a = (ActivationLayer) layer;
        String op = TfCheckpointWriter.activationNode(graph, s, x, a.activation());
        return op == null ? x : op;
    }

    private static String biasAndActivation(GraphDef.Builder graph, String s, String x, boolean bias, dev.graft.Activation act) {
        String out = x;
        if (bias) {
            graph.addNode(node(s + "BiasAdd", "BiasAdd", x, s + "bias/read").putAttr("T", type()).putAttr("data_format", nhwc()));
            out = s + "BiasAdd";
        }
        String a = TfCheckpointWriter.activationNode(graph, s, out, act);
        return a == null ? out : a;
    }

    private static org.tensorflow.proto.NodeDef.Builder window(org.tensorflow.proto.NodeDef.Builder n, ConvWindow w) {
        return n.putAttr("T", type()).putAttr("strides", ints(1, w.strideHeight(), w.strideWidth(), 1))
                .putAttr("padding", AttrValue.newBuilder().setS(com.google.protobuf.ByteString.copyFromUtf8(w.padding().name())).build())
                .putAttr("data_format", nhwc());
    }

    private static AttrValue nhwc() {
        return AttrValue.newBuilder().setS(com.google.protobuf.ByteString.copyFromUtf8("NHWC")).build();
    }

    private static AttrValue ints(long... values) {
        AttrValue.ListValue.Builder list = AttrValue.ListValue.newBuilder();
        for (long v : values) {
            list.addI(v);
        }
        return AttrValue.newBuilder().setList(list).build();
    }

    private static org.tensorflow.proto.NodeDef.Builder intConstant(String name, int[] values, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putInt(v);
        }
        TensorProto t = TensorProto.newBuilder().setDtype(DataType.DT_INT32).setTensorShape(shape(dims))
                .setTensorContent(com.google.protobuf.ByteString.copyFrom(b.array())).build();
        return node(name, "Const").putAttr("dtype", type(DataType.DT_INT32)).putAttr("value", AttrValue.newBuilder().setTensor(t).build());
    }

    /** A float vector of {@code n} copies of {@code value}; returns its name. */
    private static String floatConstant(GraphDef.Builder graph, String name, float value, int n) {
        TensorProto t = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape(n)).addFloatVal(value).build();
        graph.addNode(node(name, "Const").putAttr("dtype", type()).putAttr("value", AttrValue.newBuilder().setTensor(t).build()));
        return name;
    }

    /** The layer types this writer knows, for messages. */
    static final List<String> TYPES = List.of("conv2d", "depthwise_conv2d", "max_pool2d", "avg_pool2d", "global_avg_pool2d",
            "global_max_pool2d", "flatten", "zero_padding2d", "batch_norm (on images)", "activation");
}
