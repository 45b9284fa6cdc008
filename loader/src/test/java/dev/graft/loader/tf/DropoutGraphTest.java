package dev.graft.loader.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Dense;
import dev.graft.Dropout;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.loader.LoadedModel;
import dev.graft.loader.ModelFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dropout between dense layers, in each form TF emits it: TF 1.x {@code keep_prob}, TF ≥ 1.13 {@code rate},
 * TF 2 {@code SelectV2}, a TF1 {@code cond} on a training flag, and Keras layer calls. The chain must go on
 * past the dropout; what cannot be followed must fail, never give a shorter model.
 */
class DropoutGraphTest {

    static String describe(Model m) {
        StringBuilder sb = new StringBuilder().append(m.inputWidth());
        for (Layer l : m.layers()) {
            if (l instanceof Dense d) {
                sb.append(" -> ").append(d.name()).append(' ').append(d.outputWidth()).append(' ').append(d.activation());
            } else if (l instanceof Dropout d) {
                sb.append(" -> ").append(d.name()).append(" dropout ").append(d.rate());
            }
        }
        return sb.toString();
    }

    /** {@code tf.nn.dropout(x, keep_prob)} of TF 1.0–1.12: {@code x / keep * floor(keep + U)}. */
    static void keepProbDropout(GraphBuilder b, String scope, String keep) {
        String h = b.x;
        String shape = b.op(scope + "/Shape", "Shape", h);
        String min = b.constant(scope + "/random_uniform/min", 0f);
        String max = b.constant(scope + "/random_uniform/max", 1f);
        String u = b.op(scope + "/random_uniform/RandomUniform", "RandomUniform", shape);
        String range = b.op(scope + "/random_uniform/sub", "Sub", max, min);
        String scaled = b.op(scope + "/random_uniform/mul", "Mul", u, range);
        String uniform = b.op(scope + "/random_uniform", "Add", scaled, min);
        String floor = b.op(scope + "/Floor", "Floor", b.op(scope + "/add", "Add", keep, uniform));
        b.x = b.op(scope + "/mul", "Mul", b.op(scope + "/div", "RealDiv", h, keep), floor);
    }

    /** TF ≥ 1.13: {@code x * (1 / (1 - rate)) * cast(U >= rate)}. */
    static void rateDropout(GraphBuilder b, String scope, float rate) {
        String h = b.x;
        String r = b.constant(scope + "/rate", rate);
        String u = b.op(scope + "/random_uniform/RandomUniform", "RandomUniform", b.op(scope + "/Shape", "Shape", h));
        String keep = b.op(scope + "/sub", "Sub", b.constant(scope + "/sub/x", 1f), r);
        String scale = b.op(scope + "/truediv", "RealDiv", b.constant(scope + "/truediv/x", 1f), keep);
        String mask = b.op(scope + "/Cast", "Cast", b.op(scope + "/GreaterEqual", "GreaterEqual", u, r));
        b.x = b.op(scope + "/mul_1", "Mul", b.op(scope + "/mul", "Mul", h, scale), mask);
    }

    /** TF 2: {@code where(U >= rate, x * scale, 0)}. */
    static void selectDropout(GraphBuilder b, String scope, float rate) {
        String h = b.x;
        String scaled = b.op(scope + "/Mul", "Mul", h, b.constant(scope + "/Const", 1f / (1f - rate)));
        String u = b.op(scope + "/random_uniform/RandomUniform", "RandomUniform", b.op(scope + "/Shape", "Shape", h));
        String mask = b.op(scope + "/GreaterEqual", "GreaterEqual", u, b.constant(scope + "/GreaterEqual/y", rate));
        b.x = b.op(scope + "/SelectV2", "SelectV2", mask, scaled, b.constant(scope + "/Const_1", 0f));
    }

    @Test
    void everyTfDropoutFormBecomesADropoutLayerWithItsRate(@TempDir Path tmp) throws Exception {
        GraphBuilder b = new GraphBuilder(8).dense("hidden1", 8, 7, "Relu");
        keepProbDropout(b, "dropout", b.constant("dropout/keep_prob", 0.75f));
        b.dense("hidden2", 7, 6, "Relu");
        rateDropout(b, "dropout_1", 0.4f);
        b.dense("hidden3", 6, 5, "Tanh");
        selectDropout(b, "dropout_2", 0.125f);
        b.dense("output", 5, 3, null);
        b.write(tmp.resolve("m"));
        LoadedModel lm = TfModelReader.readCheckpoint(tmp.resolve("m"), null);
        assertEquals("8 -> hidden1 7 relu -> dropout dropout 0.25 -> hidden2 6 relu -> dropout_1 dropout 0.4"
                + " -> hidden3 5 tanh -> dropout_2 dropout 0.125 -> output 3 identity", describe(lm.model()));
        assertTrue(lm.report().skipped().isEmpty(), lm.report().skipped().toString());
        assertTrue(lm.report().notes().stream().anyMatch(n -> n.startsWith("dropout 'dropout_1': rate 0.4")),
                lm.report().notes().toString());
    }

    @Test
    void keepProbFedAtRunTimeKeepsTheLaterLayersAndSaysSo(@TempDir Path tmp) throws Exception {
        GraphBuilder b = new GraphBuilder(4).dense("hidden1", 4, 3, "Relu");
        keepProbDropout(b, "dropout", b.op("keep_prob", "Placeholder"));
        b.dense("output", 3, 2, null).write(tmp.resolve("m"));
        LoadedModel lm = TfModelReader.readCheckpoint(tmp.resolve("m"), null);
        assertEquals("4 -> hidden1 3 relu -> output 2 identity", describe(lm.model()));
        assertTrue(lm.report().notes().stream().anyMatch(n -> n.startsWith("dropout 'dropout' (op dropout/mul)")
                && n.contains("no Dropout layer was added")), lm.report().notes().toString());
    }

    @Test
    void tf1CondOnATrainingFlagFollowsTheDroppingBranch(@TempDir Path tmp) throws Exception {
        // tf.layers.dropout(h, 0.3, training=is_training): Switch on the flag, dropout in the true branch, Merge.
        GraphBuilder b = new GraphBuilder(4).dense("hidden1", 4, 3, "Relu");
        String h = b.x;
        String sw = b.op("dropout/cond/Switch_1", "Switch", h, b.op("is_training", "Placeholder"));
        String identity = b.op("dropout/cond/Identity", "Identity", sw + ":0");
        b.x = sw + ":1";
        rateDropout(b, "dropout/cond/dropout", 0.3f);
        b.x = b.op("dropout/cond/Merge", "Merge", identity, b.x);
        b.dense("output", 3, 2, null).write(tmp.resolve("m"));
        assertEquals("4 -> hidden1 3 relu -> dropout/cond/dropout dropout 0.3 -> output 2 identity",
                describe(TfModelReader.readCheckpoint(tmp.resolve("m"), null).model()));
    }

    @Test
    void kerasDropoutCallsAreFollowed(@TempDir Path tmp) throws Exception {
        GraphBuilder b = new GraphBuilder(4).dense("dense", 4, 3, "Relu");
        b.call("dropout/PartitionedCall", GraphBuilder.function(
                "__inference_dropout_layer_call_and_return_conditional_losses_101", "Identity:output:0",
                GraphBuilder.node("Identity", "Identity", "inputs")));
        b.dense("dense_1", 3, 3, "Relu");
        b.call("dropout_1/PartitionedCall", GraphBuilder.function(
                "__inference_dropout_1_layer_call_and_return_conditional_losses_102", "dropout/Mul_1:z:0",
                GraphBuilder.constNode("dropout/Const", 1.25f),
                GraphBuilder.node("dropout/Mul", "Mul", "inputs", "dropout/Const:output:0"),
                GraphBuilder.node("dropout/Shape", "Shape", "inputs"),
                GraphBuilder.node("dropout/random_uniform/RandomUniform", "RandomUniform", "dropout/Shape:output:0"),
                GraphBuilder.constNode("dropout/GreaterEqual/y", 0.2f),
                GraphBuilder.node("dropout/GreaterEqual", "GreaterEqual", "dropout/random_uniform/RandomUniform:output:0",
                        "dropout/GreaterEqual/y:output:0"),
                GraphBuilder.node("dropout/Cast", "Cast", "dropout/GreaterEqual:z:0"),
                GraphBuilder.node("dropout/Mul_1", "Mul", "dropout/Mul:z:0", "dropout/Cast:y:0")));
        b.dense("dense_2", 3, 2, null).write(tmp.resolve("m"));
        LoadedModel lm = TfModelReader.readCheckpoint(tmp.resolve("m"), null);
        assertEquals("4 -> dense 3 relu -> dense_1 3 relu -> dropout_1 dropout 0.2 -> dense_2 2 identity", describe(lm.model()));
        assertTrue(lm.report().notes().stream().anyMatch(n -> n.contains("Keras layer 'dropout' is the identity")),
                lm.report().notes().toString());
    }

    @Test
    void anOpThatCannotBeFollowedFailsNamingItInsteadOfTruncating(@TempDir Path tmp) throws Exception {
        GraphBuilder b = new GraphBuilder(4).dense("hidden1", 4, 3, "Relu");
        b.x = b.op("bn/FusedBatchNormV3", "FusedBatchNormV3", b.x);
        b.dense("hidden2", 3, 3, "Relu").dense("output", 3, 2, null).write(tmp.resolve("m"));
        ModelFileException e = assertThrows(ModelFileException.class, () -> TfModelReader.readCheckpoint(tmp.resolve("m"), null));
        assertTrue(e.getMessage().contains("[bn/FusedBatchNormV3]") && e.getMessage().contains("(FusedBatchNormV3) after layer 'hidden1'")
                && e.getMessage().contains("hidden2/weights"), e.getMessage());
    }

    @Test
    void aScaleWithoutAMaskOrOneThatContradictsTheRateFails(@TempDir Path tmp) throws Exception {
        GraphBuilder b = new GraphBuilder(4).dense("hidden1", 4, 3, "Relu");
        b.x = b.op("half", "Mul", b.x, b.constant("half/y", 0.5f));
        b.dense("output", 3, 2, null).write(tmp.resolve("a"));
        ModelFileException e = assertThrows(ModelFileException.class, () -> TfModelReader.readCheckpoint(tmp.resolve("a"), null));
        assertTrue(e.getMessage().contains("[half]") && e.getMessage().contains("output/weights"), e.getMessage());

        GraphBuilder c = new GraphBuilder(4).dense("hidden1", 4, 3, "Relu");
        String h = c.x;
        String mask = c.op("drop/GreaterEqual", "GreaterEqual",
                c.op("drop/RandomUniform", "RandomUniform", c.op("drop/Shape", "Shape", h)), c.constant("drop/rate", 0.5f));
        c.x = c.op("drop/mul_1", "Mul", c.op("drop/mul", "Mul", h, c.constant("drop/scale", 3f)), mask);
        c.dense("output", 3, 2, null).write(tmp.resolve("b"));
        e = assertThrows(ModelFileException.class, () -> TfModelReader.readCheckpoint(tmp.resolve("b"), null));
        assertTrue(e.getMessage().contains("[drop/mul_1]") && e.getMessage().contains("not an inverted dropout"), e.getMessage());
    }
}
