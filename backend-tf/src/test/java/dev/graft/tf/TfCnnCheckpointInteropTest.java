package dev.graft.tf;

import static dev.graft.conformance.Conformance.assertClose;

import dev.graft.Activation;
import dev.graft.BatchNorm;
import dev.graft.ConvWindow;
import dev.graft.DepthwiseConv2D;
import dev.graft.Model;
import dev.graft.Shape;
import dev.graft.conformance.Conformance;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import dev.graft.loader.ModelFormat;
import dev.graft.loader.Models;
import dev.graft.reference.ReferenceBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.types.TFloat32;

/**
 * A CNN written by Graft's pure-Java checkpoint writer (what {@code graft --export-tf} writes) is a graph TensorFlow
 * itself imports, restores and runs: TF's outputs for the written {@code .meta} match Graft's reference forward.
 */
class TfCnnCheckpointInteropTest {

    @BeforeAll
    static void requireTf() {
        Conformance.requireOrSkip(new TfBackendProvider());
    }

    @Test
    void tfRunsTheWrittenCnnGraphWithGraftsOutputs(@TempDir Path tmp) throws Exception {
        Model model = Model.builder(Shape.of(9, 8, 2), 21)
                .conv2d("c1", 4, ConvWindow.of(3).dilation(2).same(), Activation.RELU).zeroPadding("zp", 1).maxPool("mp", 2)
                .add(BatchNorm.spec("bn"))
                .add(DepthwiseConv2D.spec("dw", ConvWindow.of(2).strides(2).same(), Activation.RELU6).multiplier(2))
                .avgPool("ap", 1).flatten("flat").dense("out", 3, Activation.SOFTMAX).build();
        Path prefix = tmp.resolve("model.ckpt");
        Models.save(model, prefix, ModelFormat.TF_CHECKPOINT);
        MetaGraphDef meta = MetaGraphDef.parseFrom(Files.readAllBytes(tmp.resolve("model.ckpt.meta")));
        int rows = 3;
        float[] x = Conformance.random(new SplittableRandom(4), rows * model.inputWidth(), 2);
        float[] served = new float[rows * 3];
        try (Graph g = new Graph()) {
            g.importGraphDef(meta.getGraphDef());
            try (Session s = new Session(g);
                 TFloat32 in = TFloat32.tensorOf(org.tensorflow.ndarray.Shape.of(rows, 9, 8, 2))) {
                in.asRawTensor().data().asFloats().write(x, 0, x.length);
                s.restore(prefix.toString());
                try (Result r = s.runner().feed("x", in).fetch("out/Softmax").run()) {
                    ((TFloat32) r.get(0)).asRawTensor().data().asFloats().read(served, 0, served.length);
                }
            }
        }
        float[] expected = new float[rows * 3];
        try (ReferenceBackend ref = new ReferenceBackend(); Network net = Networks.open(ref, NetworkPlan.inference(model, rows))) {
            net.predict(x, 0, rows, expected, 0);
        }
        assertClose("TF running the written CNN graph vs Graft", expected, served, 1e-6, 1e-5);
    }
}
