package dev.graft.loader.tf;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Dropout;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.Shape;
import dev.graft.loader.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Saves a Graft model as a TF V2 checkpoint with TensorFlow-style variable names, plus a forward-pass
 * {@code .meta} graph (placeholder {@code x}, of images {@code [-1, h, w, c]} for an image model, then per dense
 * layer {@code MatMul}, {@code BiasAdd} and the activation op, image layers as {@link ConvNodes} writes them) so
 * that the architecture, activations included, can be recovered from the files alone.
 * A dropout layer holds no variables; in the graph it is TF's own {@code tf.nn.dropout(x, rate)} subgraph
 * (training form, as in a TF1 training graph), so its rate is recovered too.
 */
public final class TfCheckpointWriter {

    /** How variables are named. */
    public enum Naming {
        /** {@code <layer>/weights}, {@code <layer>/biases}: tf.contrib.layers.fully_connected, the seed's network. */
        WEIGHTS_BIASES("weights", "biases"),
        /** {@code <layer>/kernel}, {@code <layer>/bias}: tf.layers.dense and Keras in TF1 graphs. */
        KERNEL_BIAS("kernel", "bias");

        final String weights;
        final String bias;

        Naming(String weights, String bias) {
            this.weights = weights;
            this.bias = bias;
        }
    }

    private TfCheckpointWriter() {
    }

    /**
     * Writes {@code prefix.data-00000-of-00001}, {@code prefix.index} and {@code prefix.meta}, in that order, each
     * atomically. The {@code .meta} records the SHA-256 of the {@code .index} ({@link CheckpointSet}), so a set mixed
     * by a write interrupted between its files is refused on load rather than read as a model. To replace a whole
     * checkpoint so that readers see the old set or the new one, write it into a folder of its own with
     * {@link dev.graft.loader.AtomicFiles#replaceDirectory}, as {@code graft --export-tf} does.
     */
    public static void write(Model model, Path prefix, Naming naming) throws IOException {
        if (!model.isChain()) {
            throw new IllegalArgumentException("cannot write a graph model (branches, merges or several inputs) with the TF "
                    + "checkpoint writer: it writes chains of layers only; save the model in Graft's format instead");
        }
        BundleWriter bundle = new BundleWriter();
        GraphDef.Builder graph = GraphDef.newBuilder();
        Shape input = model.inputShape();
        long[] placeholder = new long[input.rank() + 1];
        placeholder[0] = -1;
        for (int i = 0; i < input.rank(); i++) {
            placeholder[i + 1] = input.dim(i);
        }
        graph.addNode(node("x", "Placeholder").putAttr("dtype", type())
                .putAttr("shape", AttrValue.newBuilder().setShape(shape(placeholder)).build()));
        String x = "x";
        for (Layer layer : model.layers()) {
            if (layer instanceof Dropout drop) {
                x = dropout(graph, drop, x);
                continue;
            }
            if (ConvNodes.writes(layer)) {
                x = ConvNodes.write(graph, bundle, layer, x);
                continue;
            }
            if (!(layer instanceof Dense d)) {
                throw new IllegalArgumentException("layer '" + layer.name() + "' (type " + layer.description().type()
                        + ") cannot be written by the TF checkpoint writer: it writes dense, dropout, "
                        + String.join(", ", ConvNodes.TYPES) + " layers only");
            }
            String w = d.name() + "/" + naming.weights;
            String b = d.name() + "/" + naming.bias;
            bundle.add(w, new long[] {d.inputWidth(), d.outputWidth()}, d.weights());
            bundle.add(b, new long[] {d.outputWidth()}, d.bias());
            variable(graph, w, shape(d.inputWidth(), d.outputWidth()));
            variable(graph, b, shape(d.outputWidth()));
            graph.addNode(node(d.name() + "/MatMul", "MatMul", x, w + "/read").putAttr("T", type())
                    .putAttr("transpose_a", bool(false)).putAttr("transpose_b", bool(false)));
            graph.addNode(node(d.name() + "/BiasAdd", "BiasAdd", d.name() + "/MatMul", b + "/read").putAttr("T", type())
                    .putAttr("data_format", AttrValue.newBuilder().setS(com.google.protobuf.ByteString.copyFromUtf8("NHWC")).build()));
            x = d.name() + "/BiasAdd";
            String act = activationNode(graph, d.name() + "/", x, d.activation());
            x = act == null ? x : act;
        }
        bundle.write(prefix);
        MetaGraphDef meta = MetaGraphDef.newBuilder().setGraphDef(graph).setMetaInfoDef(MetaGraphDef.MetaInfoDef.newBuilder()
                .setMetaGraphVersion(CheckpointSet.stamp(TensorBundle.indexPath(prefix)))).build();
        AtomicFiles.write(prefix.resolveSibling(prefix.getFileName() + ".meta"), meta.toByteArray());
    }

    /** TF ≥ 1.13's {@code tf.nn.dropout}: {@code x * 1/(1-rate) * cast(uniform >= rate)}; returns the output. */
    private static String dropout(GraphDef.Builder graph, Dropout d, String x) {
        String s = d.name() + "/";
        graph.addNode(constant(s + "rate", d.rate()));
        graph.addNode(constant(s + "scale", 1f / (1f - d.rate())));
        graph.addNode(node(s + "Shape", "Shape", x).putAttr("T", type()).putAttr("out_type", type(DataType.DT_INT32)));
        graph.addNode(node(s + "random_uniform/RandomUniform", "RandomUniform", s + "Shape")
                .putAttr("T", type(DataType.DT_INT32)).putAttr("dtype", type()));
        graph.addNode(node(s + "GreaterEqual", "GreaterEqual", s + "random_uniform/RandomUniform", s + "rate")
                .putAttr("T", type()));
        graph.addNode(node(s + "Cast", "Cast", s + "GreaterEqual")
                .putAttr("SrcT", type(DataType.DT_BOOL)).putAttr("DstT", type()));
        graph.addNode(node(s + "mul", "Mul", x, s + "scale").putAttr("T", type()));
        graph.addNode(node(s + "mul_1", "Mul", s + "mul", s + "Cast").putAttr("T", type()));
        return s + "mul_1";
    }

    /** The activation op of {@code a} on {@code x} under scope {@code s}; its name, or null for the identity. */
    static String activationNode(GraphDef.Builder graph, String s, String x, Activation a) {
        String op = opFor(a);
        if (op == null) {
            return null;
        }
        NodeDef.Builder act = node(s + op, op, x).putAttr("T", type());
        if (a.kind() == Activation.Kind.LEAKY_RELU) {
            act.putAttr("alpha", AttrValue.newBuilder().setF(a.alpha()).build());
        }
        graph.addNode(act);
        return s + op;
    }

    private static NodeDef.Builder constant(String name, float value) {
        return node(name, "Const").putAttr("dtype", type()).putAttr("value", AttrValue.newBuilder().setTensor(
                TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(TensorShapeProto.getDefaultInstance())
                        .addFloatVal(value)).build());
    }

    private static String opFor(Activation a) {
        return switch (a.kind()) {
            case IDENTITY -> null;
            case RELU -> "Relu";
            case LEAKY_RELU -> "LeakyRelu";
            case ELU -> {
                if (a.alpha() != 1f) {
                    throw new IllegalArgumentException("TF's Elu op has alpha 1; this layer has " + a.alpha());
                }
                yield "Elu";
            }
            case TANH -> "Tanh";
            case SIGMOID -> "Sigmoid";
            case SOFTMAX -> "Softmax";
            case RELU6 -> "Relu6";
            case SELU -> "Selu";
            case SWISH, HARD_SWISH, HARD_SIGMOID -> throw new IllegalArgumentException("activation " + a
                    + " has no single TF op; this writer emits one op per activation (use the SavedModel export)");
        };
    }

    static void variable(GraphDef.Builder graph, String name, TensorShapeProto shape) {
        graph.addNode(node(name, "VariableV2").putAttr("dtype", type())
                .putAttr("shape", AttrValue.newBuilder().setShape(shape).build())
                .putAttr("container", AttrValue.newBuilder().setS(com.google.protobuf.ByteString.EMPTY).build())
                .putAttr("shared_name", AttrValue.newBuilder().setS(com.google.protobuf.ByteString.EMPTY).build()));
        graph.addNode(node(name + "/read", "Identity", name).putAttr("T", type()));
    }

    static NodeDef.Builder node(String name, String op, String... inputs) {
        NodeDef.Builder b = NodeDef.newBuilder().setName(name).setOp(op);
        for (String i : inputs) {
            b.addInput(i);
        }
        return b;
    }

    static AttrValue type() {
        return type(DataType.DT_FLOAT);
    }

    static AttrValue type(DataType t) {
        return AttrValue.newBuilder().setType(t).build();
    }

    private static AttrValue bool(boolean b) {
        return AttrValue.newBuilder().setB(b).build();
    }

    static TensorShapeProto shape(long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) {
            s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        return s.build();
    }
}
