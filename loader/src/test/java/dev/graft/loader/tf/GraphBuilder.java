package dev.graft.loader.tf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.TensorProto;

/** Builds TF graphs node by node for tests, with a checkpoint holding the dense layers' variables. */
final class GraphBuilder {

    private final GraphDef.Builder graph = GraphDef.newBuilder();
    private final BundleWriter bundle = new BundleWriter();
    private final SplittableRandom random = new SplittableRandom(5);
    /** The tensor the next layer reads. */
    String x;

    GraphBuilder(int inputWidth) {
        op("x", "Placeholder");
        x = "x";
    }

    /** Adds a node; returns its name. */
    String op(String name, String op, String... inputs) {
        graph.addNode(node(name, op, inputs));
        return name;
    }

    String constant(String name, float value) {
        graph.addNode(constNode(name, value));
        return name;
    }

    static NodeDef constNode(String name, float value) {
        return NodeDef.newBuilder().setName(name).setOp("Const").putAttr("value", AttrValue.newBuilder()
                .setTensor(TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).addFloatVal(value)).build()).build();
    }

    /** {@code <scope>/weights}, {@code <scope>/biases}, MatMul, BiasAdd and the activation op (null: none). */
    GraphBuilder dense(String scope, int in, int out, String activation) {
        String w = op(scope + "/weights", "VariableV2");
        String b = op(scope + "/biases", "VariableV2");
        bundle.add(w, new long[] {in, out}, TfGraphs.random(random, in * out));
        bundle.add(b, new long[] {out}, TfGraphs.random(random, out));
        x = op(scope + "/BiasAdd", "BiasAdd", op(scope + "/MatMul", "MatMul", x, op(w + "/read", "Identity", w)),
                op(b + "/read", "Identity", b));
        if (activation != null) {
            x = op(scope + "/" + activation, activation, x);
        }
        return this;
    }

    /** A call of {@code function} (added to the library) on the current tensor; the result becomes current. */
    GraphBuilder call(String name, FunctionDef function) {
        graph.getLibraryBuilder().addFunction(function);
        graph.addNode(node(name, "PartitionedCall", x).toBuilder()
                .putAttr("f", AttrValue.newBuilder().setFunc(NameAttrList.newBuilder().setName(function.getSignature().getName())).build()));
        x = name + ":0";
        return this;
    }

    /** A one-argument, one-result function of the given body nodes; {@code ret} names the result tensor. */
    static FunctionDef function(String name, String ret, NodeDef... body) {
        FunctionDef.Builder f = FunctionDef.newBuilder().setSignature(OpDef.newBuilder().setName(name)
                .addInputArg(OpDef.ArgDef.newBuilder().setName("inputs"))
                .addOutputArg(OpDef.ArgDef.newBuilder().setName("output")));
        for (NodeDef n : body) {
            f.addNodeDef(n);
        }
        return f.putRet("output", ret).build();
    }

    static NodeDef node(String name, String op, String... inputs) {
        return TfGraphs.node(name, op, inputs);
    }

    /** A variable node {@code name} (read through {@code name/read}) with random values in the checkpoint. */
    String variable(String name, long... shape) {
        op(name, "VariableV2");
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        bundle.add(name, shape, TfGraphs.random(random, (int) n));
        return op(name + "/read", "Identity", name);
    }

    /** The meta graph as built so far (to edit before {@link #write(Path, MetaGraphDef)}). */
    MetaGraphDef metaGraph() {
        return MetaGraphDef.newBuilder().setGraphDef(graph).build();
    }

    /** Writes the checkpoint and {@code prefix.meta}. */
    void write(Path prefix) throws IOException {
        write(prefix, metaGraph());
    }

    /** Writes the checkpoint and {@code meta} as {@code prefix.meta}. */
    void write(Path prefix, MetaGraphDef meta) throws IOException {
        bundle.write(prefix);
        Files.write(prefix.resolveSibling(prefix.getFileName() + ".meta"), meta.toByteArray());
    }
}
