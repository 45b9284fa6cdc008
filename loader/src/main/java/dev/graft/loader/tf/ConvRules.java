package dev.graft.loader.tf;

import dev.graft.Activation;
import dev.graft.Shape;
import dev.graft.loader.ModelFileException;
import dev.graft.loader.tf.GraphParts.Chain;
import dev.graft.loader.tf.GraphParts.ConvStep;
import dev.graft.loader.tf.GraphParts.Flat;
import dev.graft.loader.tf.GraphParts.Input;
import dev.graft.loader.tf.GraphParts.Norm;
import dev.graft.loader.tf.GraphParts.Pool;
import dev.graft.loader.tf.GraphParts.Sym;
import dev.graft.loader.tf.GraphParts.Var;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * The graph ops of convolutional networks, for {@link GraphWalker}: {@code Conv2D} and
 * {@code DepthwiseConv2dNative} of the activations with a filter variable, {@code MaxPool}/{@code AvgPool},
 * the fused batch norm ops in inference mode, and {@code Reshape} (of the input placeholder to images: the
 * input's shape; of images to vectors: a flatten). Channels-first data, explicit padding and batch norm in
 * training mode are refused naming the op: loading them as something else would give a different model.
 */
final class ConvRules {

    private ConvRules() {
    }

    /** {@code Conv2D} / {@code DepthwiseConv2dNative} of activations and a filter variable; null otherwise. */
    static Sym conv(NodeDef n, Sym in, Sym filter, GraphWalker.Failure fail) throws ModelFileException {
        if (!(filter instanceof Var v) || !isActivations(in)) {
            return null;
        }
        nhwc(n, fail);
        String padding = n.getAttrMap().get("padding") == null ? "" : n.getAttrMap().get("padding").getS().toStringUtf8();
        if (!padding.equals("SAME") && !padding.equals("VALID")) {
            throw fail.at(n.getName(), n.getOp() + " with padding '" + padding + "' is not supported (SAME or VALID)");
        }
        List<Integer> strides = spatial(n, "strides", fail);
        List<Integer> dilations = n.getAttrMap().containsKey("dilations") ? spatial(n, "dilations", fail) : List.of(1, 1);
        return chainOf(in).append(new ConvStep(v.name(), n.getOp().startsWith("Depthwise"), strides,
                padding.toLowerCase(java.util.Locale.ROOT), dilations, null, null, n.getName()));
    }

    /** {@code MaxPool} / {@code AvgPool} of image activations; {@code MaxPoolV2} takes its window and strides as inputs. */
    static Sym pool(NodeDef n, Sym in, GraphWalker.Failure fail, NodeDef ksize, NodeDef strides) throws ModelFileException {
        if (!(in instanceof Chain c && c.pending() == null && c.spatial()) && !(in instanceof Input i && i.shape() != null)) {
            return null;
        }
        nhwc(n, fail);
        String padding = n.getAttrMap().get("padding").getS().toStringUtf8();
        if (!padding.equals("SAME") && !padding.equals("VALID")) {
            throw fail.at(n.getName(), n.getOp() + " with padding '" + padding + "' is not supported (SAME or VALID)");
        }
        List<Integer> size;
        List<Integer> step;
        if (n.getOp().equals("MaxPoolV2")) {
            size = spatial(n, "ksize", longs(ksize), fail);
            step = spatial(n, "strides", longs(strides), fail);
        } else {
            size = spatial(n, "ksize", fail);
            step = spatial(n, "strides", fail);
        }
        return chainOf(in).append(new Pool(n.getOp().startsWith("Max"), size, step, padding.toLowerCase(java.util.Locale.ROOT),
                n.getName()));
    }

    /**
     * {@code Mean}/{@code Max} of image activations over axes 1 and 2 (height, width) without kept dimensions: global
     * average or max pooling. Null for any other reduction (activations through it are then lost).
     */
    static Sym globalPool(NodeDef n, Sym in, NodeDef axes) {
        if (!(in instanceof Chain c && c.pending() == null && c.spatial()) || axes == null || !axes.getOp().equals("Const")) {
            return null;
        }
        AttrValue keep = n.getAttrMap().get("keep_dims");
        List<Integer> a = ints(axes);
        if ((keep != null && keep.getB()) || a == null || !(a.equals(List.of(1, 2)) || a.equals(List.of(2, 1))
                || a.equals(List.of(-3, -2)) || a.equals(List.of(-2, -3)))) {
            return null;
        }
        return c.append(new GraphParts.GlobalPool(n.getOp().equals("Max"), n.getName()));
    }

    /** {@code FusedBatchNorm(V2/V3)} output 0 in inference mode: x, scale, offset, mean, variance. */
    static Sym fused(NodeDef n, Sym x, Sym scale, Sym offset, Sym mean, Sym variance, GraphWalker.Failure fail)
            throws ModelFileException {
        if (!(x instanceof Chain c && c.pending() == null) || !(mean instanceof Var m) || !(variance instanceof Var v)) {
            return null;
        }
        nhwc(n, fail);
        AttrValue training = n.getAttrMap().get("is_training");
        if (training == null || training.getB()) {
            throw fail.at(n.getName(), n.getOp() + " computes batch statistics (is_training=true): Graft loads batch norm in "
                    + "inference form (moving mean and variance); export the graph with training=False");
        }
        AttrValue eps = n.getAttrMap().get("epsilon");
        return c.append(new Norm(scale instanceof Var g ? g.name() : null, offset instanceof Var b ? b.name() : null,
                m.name(), v.name(), eps == null ? 1e-4 : eps.getF(), n.getName()));
    }

    /**
     * {@code Reshape}: of the input placeholder to {@code [-1, h, w, c]}, the input with that shape; of image
     * activations to {@code [-1, n]}, a flatten; of vectors to {@code [-1, n]}, nothing. Null otherwise.
     */
    static Sym reshape(NodeDef n, Sym in, List<Integer> target) {
        if (target == null || target.isEmpty() || target.get(0) != -1 || target.subList(1, target.size()).stream().anyMatch(d -> d <= 0)) {
            return null;
        }
        List<Integer> dims = target.subList(1, target.size());
        if (in instanceof Input i) {
            Shape s = Shape.of(dims);
            return i.shape() == null || i.shape().size() == s.size() ? new Input(s) : null;
        }
        if (in instanceof Chain c && c.pending() == null && dims.size() == 1) {
            return c.spatial() ? c.append(new Flat(n.getName())) : c.passed();
        }
        if (in instanceof Chain c && c.pending() == null && dims.size() == 3) {
            // Flat rows back to images (a graph carrying flat rows between image layers): the flatten is undone, and
            // the next layer must take exactly these dims (checked when the layers are built).
            GraphParts.Reshaped back = new GraphParts.Reshaped(List.copyOf(dims), n.getName());
            if (c.lastPart() instanceof Flat) {
                return c.replaceLast(back);
            }
            return c.spatial() && !c.parts().isEmpty() ? c.append(back) : null;
        }
        return null;
    }

    /**
     * {@code Pad}/{@code PadV2} of images with constant paddings {@code [[0, 0], [top, bottom], [left, right], [0, 0]]}
     * and (PadV2) the value 0: zero padding. Null otherwise.
     */
    static Sym pad(NodeDef n, Sym in, NodeDef paddings, Sym value) {
        if (!(in instanceof Chain c && c.pending() == null && c.spatial()) || paddings == null || !paddings.getOp().equals("Const")) {
            return null;
        }
        if (n.getOp().equals("PadV2") && !(value instanceof GraphParts.Scalar s && s.value() == 0)) {
            return null;
        }
        List<Integer> p = ints(paddings);
        if (p == null || p.size() != 8 || p.get(0) != 0 || p.get(1) != 0 || p.get(6) != 0 || p.get(7) != 0
                || p.subList(2, 6).stream().anyMatch(v -> v < 0)) {
            return null;
        }
        return c.append(new GraphParts.ZeroPad(List.copyOf(p.subList(2, 6)), n.getName()));
    }

    /** The per-sample shape a placeholder records, or null (unknown rank or a free dimension beyond the batch). */
    static Shape placeholderShape(NodeDef n) {
        AttrValue a = n.getAttrMap().get("shape");
        if (a == null || !a.hasShape() || a.getShape().getUnknownRank() || a.getShape().getDimCount() < 2) {
            return null;
        }
        List<Integer> dims = new ArrayList<>();
        for (int i = 1; i < a.getShape().getDimCount(); i++) {
            TensorShapeProto.Dim d = a.getShape().getDim(i);
            if (d.getSize() <= 0 || d.getSize() > Integer.MAX_VALUE) {
                return null;
            }
            dims.add((int) d.getSize());
        }
        return Shape.of(dims);
    }

    /** The activation of a TF activation op, or null when the op is none. */
    static Activation activation(NodeDef n) {
        return switch (n.getOp()) {
            case "Relu" -> Activation.RELU;
            case "Relu6" -> Activation.parse("relu6");
            case "Selu" -> Activation.parse("selu");
            case "Tanh" -> Activation.TANH;
            case "Sigmoid" -> Activation.SIGMOID;
            case "Softmax" -> Activation.SOFTMAX;
            case "Elu" -> Activation.ELU;
            case "LeakyRelu" -> {
                AttrValue a = n.getAttrMap().get("alpha");
                yield Activation.leakyRelu(a == null ? 0.2f : a.getF());
            }
            default -> null;
        };
    }

    private static boolean isActivations(Sym s) {
        return (s instanceof Input i && i.shape() != null && i.shape().rank() == 3)
                || (s instanceof Chain c && c.pending() == null && c.spatial());
    }

    private static Chain chainOf(Sym s) {
        return s instanceof Chain c ? c : Chain.from((Input) s);
    }

    private static void nhwc(NodeDef n, GraphWalker.Failure fail) throws ModelFileException {
        AttrValue f = n.getAttrMap().get("data_format");
        String format = f == null ? "NHWC" : f.getS().toStringUtf8();
        if (!format.equals("NHWC")) {
            throw fail.at(n.getName(), n.getOp() + " uses data_format " + format + ": Graft computes channels-last (NHWC) only "
                    + "and will not guess a conversion");
        }
    }

    /** A 4-element [1, h, w, 1] attribute as [h, w]. */
    private static List<Integer> spatial(NodeDef n, String attr, GraphWalker.Failure fail) throws ModelFileException {
        AttrValue a = n.getAttrMap().get(attr);
        return spatial(n, attr, a == null ? List.of() : a.getList().getIList(), fail);
    }

    /** {@code values} ([1, h, w, 1], null when not constant) as [h, w]. */
    private static List<Integer> spatial(NodeDef n, String attr, List<Long> values, GraphWalker.Failure fail)
            throws ModelFileException {
        List<Long> v = values == null ? List.of() : values;
        if (v.size() != 4 || v.get(0) != 1 || v.get(3) != 1 || v.get(1) <= 0 || v.get(2) <= 0
                || v.get(1) > Integer.MAX_VALUE || v.get(2) > Integer.MAX_VALUE) {
            throw fail.at(n.getName(), n.getOp() + " has " + attr + " " + v + "; Graft needs [1, h, w, 1]");
        }
        return List.of(v.get(1).intValue(), v.get(2).intValue());
    }

    /** The values of a constant int vector as longs, or null when {@code n} is not one. */
    private static List<Long> longs(NodeDef n) {
        List<Integer> v = n == null || !n.getOp().equals("Const") ? null : ints(n);
        return v == null ? null : v.stream().map(Integer::longValue).toList();
    }

    /** The values of an int32/int64 {@code Const} vector, or null. */
    static List<Integer> ints(NodeDef n) {
        if (!n.getOp().equals("Const") || n.getAttrMap().get("value") == null) {
            return null;
        }
        TensorProto t = n.getAttrMap().get("value").getTensor();
        List<Integer> out = new ArrayList<>();
        if (t.getDtype() == DataType.DT_INT32) {
            if (!t.getTensorContent().isEmpty()) {
                ByteBuffer b = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                while (b.remaining() >= 4) {
                    out.add(b.getInt());
                }
            } else {
                out.addAll(t.getIntValList());
            }
        } else if (t.getDtype() == DataType.DT_INT64) {
            if (!t.getTensorContent().isEmpty()) {
                ByteBuffer b = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                while (b.remaining() >= 8) {
                    out.add(Math.toIntExact(Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, b.getLong()))));
                }
            } else {
                t.getInt64ValList().forEach(l -> out.add((int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, l))));
            }
        } else {
            return null;
        }
        return out;
    }
}
