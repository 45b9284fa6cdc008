package dev.graft.loader.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.loader.Fixtures;
import dev.graft.loader.LoadedModel;
import dev.graft.loader.ModelFileException;
import dev.graft.loader.Models;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.OpList;

/**
 * Issue 12, items 1 and 3: a TF graph that is present decides the model. A chain cut by an op Graft
 * cannot follow (convolution, pooling, an unknown activation) is refused naming that op; a graph that is
 * empty, unparsable or damaged (dangling input, op not in its op list, a checkpoint variable it no longer
 * uses) is an error, never a fallback to identity activations.
 */
class GraphIntegrityTest {

    private static ModelFileException refused(Path prefix) {
        return assertThrows(ModelFileException.class, () -> TfModelReader.readCheckpoint(prefix, null));
    }

    @Test
    void aLayerOpGraftDoesNotKnowIsRefusedNamingIt(@TempDir Path tmp) throws Exception {
        // The convolutional ops Graft recovers load (SharedConvFixturesTest); another op with a filter is still refused.
        GraphBuilder b = new GraphBuilder(16);
        b.x = b.op("conv1/Conv3D", "Conv3D", b.x, b.variable("conv1/kernel", 3, 3, 3, 1, 2));
        b.dense("fc1", 8, 4, "Relu").dense("output", 4, 3, null).write(tmp.resolve("m"));
        ModelFileException e = refused(tmp.resolve("m"));
        assertTrue(e.getMessage().contains("[conv1/Conv3D]") && e.getMessage().contains("(Conv3D of variable 'conv1/kernel')")
                && e.getMessage().contains("not supported"), e.getMessage());
    }

    @Test
    void convolutionBelowTheDenseChainIsRefusedNotDropped(@TempDir Path tmp) throws Exception {
        GraphBuilder b = new GraphBuilder(16);
        String image = b.op("reshape_in", "Reshape", b.x, b.op("reshape_in/shape", "Const"));
        String conv = b.op("conv1/Conv2D", "Conv2D", image, b.variable("conv1/kernel", 3, 3, 1, 2));
        String relu = b.op("conv1/Relu", "Relu", b.op("conv1/BiasAdd", "BiasAdd", conv, b.variable("conv1/bias", 2)));
        String pool = b.op("pool1/MaxPool", "MaxPool", relu);
        b.x = b.op("flatten", "Reshape", pool, b.op("flatten/shape", "Const"));
        b.dense("fc1", 8, 4, "Relu").dense("output", 4, 3, null).write(tmp.resolve("m"));
        ModelFileException e = refused(tmp.resolve("m"));
        assertTrue(e.getMessage().contains("[conv1/Conv2D]") && e.getMessage().contains("(Conv2D of variable 'conv1/kernel') on the model input")
                && e.getMessage().contains("below layer 'fc1'"), e.getMessage());
    }

    @Test
    void anActivationOpGraftDoesNotKnowIsAnErrorNotIdentity(@TempDir Path tmp) throws Exception {
        GraphBuilder b = new GraphBuilder(4).dense("hidden1", 4, 3, null);
        b.x = b.op("hidden1/Mish", "Mish", b.x);
        b.dense("output", 3, 2, null).write(tmp.resolve("m"));
        ModelFileException e = refused(tmp.resolve("m"));
        assertTrue(e.getMessage().contains("'hidden1/Mish' (Mish) after layer 'hidden1'"), e.getMessage());
    }

    @Test
    void emptyOrCorruptMetaIsAnErrorNotAFallback(@TempDir Path tmp) throws Exception {
        Path prefix = tmp.resolve("m");
        new GraphBuilder(4).dense("hidden1", 4, 3, "Relu").dense("output", 3, 2, null).write(prefix);
        assertEquals(2, TfModelReader.readCheckpoint(prefix, null).model().layers().size());
        Path meta = tmp.resolve("m.meta");
        Files.write(meta, new byte[0]);
        assertTrue(refused(prefix).getMessage().contains("no nodes"));
        Files.write(meta, new byte[] {0x0a, 0x7f, 1, 2, 3});
        assertTrue(refused(prefix).getMessage().contains("not a MetaGraphDef"));
    }

    @Test
    void aGraphThatLostTheOutputBiasIsAnError(@TempDir Path tmp) throws Exception {
        // The bias add reads a node that is not there (one flipped byte in its input name).
        GraphBuilder b = new GraphBuilder(4).dense("hidden1", 4, 3, "Relu").dense("output", 3, 2, null);
        MetaGraphDef meta = rewire(b.metaGraph(), "output/BiasAdd", 1, "output/biasfs/read");
        b.write(tmp.resolve("a"), meta);
        assertTrue(refused(tmp.resolve("a")).getMessage().contains("names no node"));
        // The bias add's op type is damaged: the walker cannot follow it, and the bias it uses is left over.
        GraphBuilder c = new GraphBuilder(4).dense("hidden1", 4, 3, "Relu").dense("output", 3, 2, null);
        c.write(tmp.resolve("b"), retype(c.metaGraph(), "output/BiasAdd", "BiasAdc"));
        ModelFileException e = refused(tmp.resolve("b"));
        assertTrue(e.getMessage().contains("(BiasAdc) after layer 'output' uses variable 'output/biases'"), e.getMessage());
        // The bias add is gone altogether, but the checkpoint still holds the bias.
        GraphBuilder d = new GraphBuilder(4).dense("hidden1", 4, 3, "Relu");
        d.op("output/MatMul", "MatMul", d.x, d.variable("output/weights", 3, 2));
        d.variable("output/biases", 2);
        d.write(tmp.resolve("c"));
        e = refused(tmp.resolve("c"));
        assertTrue(e.getMessage().contains("[output/biases]") && e.getMessage().contains("does not use it"), e.getMessage());
    }

    @Test
    void anOpMissingFromTheGraphsOwnOpListIsDamage(@TempDir Path tmp) throws Exception {
        GraphBuilder b = new GraphBuilder(4).dense("hidden1", 4, 3, "Relu").dense("output", 3, 2, "Softmax");
        OpList.Builder ops = OpList.newBuilder();
        for (String op : new String[] {"Placeholder", "VariableV2", "Identity", "MatMul", "BiasAdd", "Relu", "Softmax"}) {
            ops.addOp(OpDef.newBuilder().setName(op));
        }
        MetaGraphDef listed = b.metaGraph().toBuilder().setMetaInfoDef(MetaGraphDef.MetaInfoDef.newBuilder()
                .setStrippedOpList(ops)).build();
        b.write(tmp.resolve("good"), listed);
        LoadedModel ok = TfModelReader.readCheckpoint(tmp.resolve("good"), null);
        assertEquals("softmax", ((dev.graft.Dense) ok.model().layer(1)).activation().toString());
        // "Softmax" with one bit flipped: without the check the output layer would load as identity.
        b.write(tmp.resolve("bad"), retype(listed, "output/Softmax", "Softmay"));
        ModelFileException e = refused(tmp.resolve("bad"));
        assertTrue(e.getMessage().contains("[output/Softmax]") && e.getMessage().contains("'Softmay'"), e.getMessage());
    }

    @Test
    void denseSavedModelStillLoads() throws Exception {
        LoadedModel lm = Models.load(Fixtures.savedModelDir());
        assertTrue(lm.model().layers().size() >= 2, lm.model().toString());
    }

    private static MetaGraphDef rewire(MetaGraphDef meta, String node, int input, String to) {
        GraphDef.Builder g = meta.getGraphDef().toBuilder();
        for (NodeDef.Builder n : g.getNodeBuilderList()) {
            if (n.getName().equals(node)) {
                n.setInput(input, to);
            }
        }
        return meta.toBuilder().setGraphDef(g).build();
    }

    private static MetaGraphDef retype(MetaGraphDef meta, String node, String op) {
        GraphDef.Builder g = meta.getGraphDef().toBuilder();
        for (NodeDef.Builder n : g.getNodeBuilderList()) {
            if (n.getName().equals(node)) {
                n.setOp(op);
            }
        }
        return meta.toBuilder().setGraphDef(g).build();
    }
}
