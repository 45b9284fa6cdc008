package dev.graft.tf;

import static dev.graft.conformance.Conformance.assertClose;
import static dev.graft.conformance.Conformance.random;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.graft.Activation;
import dev.graft.ConvWindow;
import dev.graft.DepthwiseConv2D;
import dev.graft.Model;
import dev.graft.Parameter;
import dev.graft.Shape;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import dev.graft.reference.ReferenceBackend;
import dev.graft.spi.Backend;
import dev.graft.train.Loss;
import dev.graft.train.Optimizer;
import dev.graft.train.TrainingConfig;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * CNNs on the TF backend: convolutions (depthwise and dilated ones too), pooling, padding and flatten
 * compile into one TF graph (forward and train step) and agree with the reference.
 */
class TfConvGraphTest extends OneTfBackend {

    private static Model compiled() {
        return Model.builder(Shape.of(9, 8, 2), 3)
                .conv2d("c1", 4, ConvWindow.of(2).same(), Activation.RELU).zeroPadding("zp", 1)
                .maxPool("mp", 2).conv2d("c2", 3, ConvWindow.of(3).strides(2).same(), Activation.TANH)
                .avgPool("ap", 1).flatten("flat").dense("out", 3, Activation.SOFTMAX).build();
    }

    private static Model depthwiseAndDilated() {
        return Model.builder(Shape.of(9, 8, 2), 4)
                .add(DepthwiseConv2D.spec("dw", ConvWindow.of(3).same(), Activation.RELU))
                .conv2d("dilated", 3, ConvWindow.of(2).dilation(2), Activation.TANH)
                .globalAvgPool("gap").dense("out", 3, Activation.SOFTMAX).build();
    }

    @Test
    void tfExportRefusesBatchNormByName(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        Model withNorm = Model.builder(Shape.of(6, 6, 2), 3).conv2d("c1", 4, ConvWindow.of(3).same(), Activation.RELU)
                .add(dev.graft.BatchNorm.spec("bn")).flatten("flat").dense("out", 3, Activation.SOFTMAX).build();
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> TfExport.savedModel(withNorm, dir.resolve("saved")));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("'bn'") && e.getMessage().contains("batch")
                && e.getMessage().contains("Graft's format"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertFalse(java.nio.file.Files.exists(dir.resolve("saved")));
    }

    @Test
    void cnnsCompileIntoOneGraphOrRunOnTfKernelsAndTrainLikeTheReference() {
        int rows = 6;
        float[] x = random(new SplittableRandom(8), rows * 9 * 8 * 2, 1);
        float[] labels = {0, 1, 2, 2, 1, 0};
        TrainingConfig config = new TrainingConfig(Loss.SOFTMAX_CROSS_ENTROPY, Optimizer.adam(0.01f), 0f, Map.of(), 1);
        for (Model model : new Model[] {compiled(), depthwiseAndDilated()}) {
            float[] expected = new float[rows * 3];
            float[] actual = new float[rows * 3];
            Model expectedAfter;
            Model actualAfter;
            try (Backend reference = new ReferenceBackend();
                 Network ref = Networks.open(reference, new NetworkPlan(model, config, rows));
                 Network net = Networks.open(tf, new NetworkPlan(model, config, rows))) {
                assertInstanceOf(TfNetwork.class, net, "convolutions, pooling, padding and flatten compile");
                ref.predict(x, 0, rows, expected, 0);
                net.predict(x, 0, rows, actual, 0);
                assertClose("TF vs reference predictions", expected, actual, 1e-6, 1e-5);
                for (int step = 0; step < 3; step++) {
                    ref.trainStep(x, labels, rows);
                    net.trainStep(x, labels, rows);
                }
                expectedAfter = ref.snapshot();
                actualAfter = net.snapshot();
            }
            for (int i = 0; i < model.size(); i++) {
                for (Parameter p : model.layer(i).parameters()) {
                    assertClose(model.layer(i).name() + "." + p.name() + " after 3 Adam steps",
                            expectedAfter.layer(i).parameterValues(p.name()), actualAfter.layer(i).parameterValues(p.name()),
                            1e-5, 1e-4);
                }
            }
        }
    }
}
