package dev.graft.loader.tf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;

/** Builds small TF1-style graphs and matching checkpoints for tests (what tf.contrib fully_connected emits). */
final class TfGraphs {

    /** One layer to emit: scope, widths, activation op (null for none), and whether the graph computes W·x. */
    record Spec(String scope, int in, int out, String activationOp, boolean wTimesX) {
    }

    private TfGraphs() {
    }

    static NodeDef node(String name, String op, String... inputs) {
        NodeDef.Builder b = NodeDef.newBuilder().setName(name).setOp(op);
        for (String i : inputs) {
            b.addInput(i);
        }
        return b.build();
    }

    /** A graph {@code x -> layers}, with gradient-like noise nodes a real training graph also has. */
    static GraphDef graph(Spec... layers) {
        GraphDef.Builder g = GraphDef.newBuilder();
        g.addNode(node("Placeholder", "Placeholder"));
        g.addNode(node("labels", "Placeholder"));
        String x = "Placeholder";
        for (Spec s : layers) {
            String w = s.scope() + "/weights";
            String b = s.scope() + "/biases";
            g.addNode(node(w, "VariableV2")).addNode(node(w + "/read", "Identity", w));
            g.addNode(node(b, "VariableV2")).addNode(node(b + "/read", "Identity", b));
            NodeDef mm = s.wTimesX()
                    ? node(s.scope() + "/MatMul", "MatMul", w + "/read", x)
                    : node(s.scope() + "/MatMul", "MatMul", x, w + "/read");
            g.addNode(mm.toBuilder().putAttr("transpose_a", AttrValue.newBuilder().setB(false).build()));
            g.addNode(node(s.scope() + "/BiasAdd", "BiasAdd", s.scope() + "/MatMul", b + "/read"));
            x = s.scope() + "/BiasAdd";
            if (s.activationOp() != null) {
                g.addNode(node(s.scope() + "/" + s.activationOp(), s.activationOp(), x));
                x = s.scope() + "/" + s.activationOp();
            }
        }
        g.addNode(node("loss", "SparseSoftmaxCrossEntropyWithLogits", x, "labels"));
        g.addNode(node("gradients/grad", "MatMul", "loss", layers[0].scope() + "/weights/read"));
        g.addNode(node("global_step", "VariableV2"));
        return g.build();
    }

    /** Writes {@code prefix.meta} and a checkpoint with seeded values; W·x layers store weights [out, in]. */
    static void write(Path prefix, long seed, Spec... layers) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        BundleWriter w = new BundleWriter();
        for (Spec s : layers) {
            long[] shape = s.wTimesX() ? new long[] {s.out(), s.in()} : new long[] {s.in(), s.out()};
            w.add(s.scope() + "/weights", shape, random(r, s.in() * s.out()));
            w.add(s.scope() + "/biases", new long[] {s.out()}, random(r, s.out()));
        }
        w.add("global_step", new long[] {}, new float[] {1});
        w.write(prefix);
        Files.write(prefix.resolveSibling(prefix.getFileName() + ".meta"),
                MetaGraphDef.newBuilder().setGraphDef(graph(layers)).build().toByteArray());
    }

    static float[] random(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }
}
