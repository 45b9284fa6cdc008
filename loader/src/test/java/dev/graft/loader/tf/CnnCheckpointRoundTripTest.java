package dev.graft.loader.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.BatchNorm;
import dev.graft.ConvWindow;
import dev.graft.DepthwiseConv2D;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.Parameter;
import dev.graft.Shape;
import dev.graft.loader.ModelFormat;
import dev.graft.loader.Models;
import dev.graft.predict.Predictor;
import dev.graft.reference.ReferenceBackend;
import dev.graft.spi.Backend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CNNs written as TF V2 checkpoints with a forward {@code .meta} ({@link TfCheckpointWriter}, what
 * {@code graft --export-tf} writes) come back through Graft's own loader as the same layers, with every parameter
 * bit-identical and the same predictions (TensorFlow running the written graph: {@code TfLoaderInteropTest}).
 */
class CnnCheckpointRoundTripTest {

    /** Conv (dilated), a separate activation, padding, max pooling, batch norm on images, flatten, dense. */
    static Model flattened() {
        return perturbed(Model.builder(Shape.of(9, 8, 2), 11)
                .conv2d("c1", 4, ConvWindow.of(3).dilation(2).same(), Activation.IDENTITY).activation("act", Activation.RELU6)
                .zeroPadding("zp", 1).maxPool("mp", 2).add(BatchNorm.spec("bn"))
                .flatten("flat").dense("out", 3, Activation.SOFTMAX).build());
    }

    /** Depthwise (multiplier 2), strided conv without bias, average pooling, global max pooling, dropout, dense. */
    static Model pooled() {
        return perturbed(Model.builder(Shape.of(8, 8, 3), 12)
                .add(DepthwiseConv2D.spec("dw", ConvWindow.of(3).same(), Activation.ELU).multiplier(2))
                .add(dev.graft.Conv2D.spec("c2", 5, ConvWindow.of(2).strides(2), Activation.TANH).withoutBias())
                .avgPool("ap", 1).add(dev.graft.GlobalMaxPooling2D.spec("gmp")).dropout("drop", 0.25f)
                .dense("out", 2, Activation.IDENTITY).build());
    }

    /** Every parameter (batch-norm statistics too) away from its initial value, so that a mix-up shows. */
    private static Model perturbed(Model m) {
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < m.size(); i++) {
            Layer l = m.layer(i);
            Map<String, float[]> values = new HashMap<>();
            for (Parameter p : l.parameters()) {
                float[] v = l.parameterValues(p.name());
                for (int k = 0; k < v.length; k++) {
                    v[k] = p.name().equals("moving_variance") || p.name().equals("gamma") ? (float) r.nextDouble(0.5, 1.5)
                            : v[k] + (float) r.nextDouble(-0.3, 0.3);
                }
                values.put(p.name(), v);
            }
            if (!values.isEmpty()) {
                m = m.with(i, l.withParameters(values));
            }
        }
        return m;
    }

    private static String parameterLayers(Model m) {
        return m.layers().stream().filter(l -> !l.parameters().isEmpty())
                .map(l -> l.name() + " " + l.description().type()).collect(Collectors.joining(", "));
    }

    @Test
    void cnnsRoundTripThroughTheirGraph(@TempDir Path dir) throws Exception {
        for (Model model : new Model[] {flattened(), pooled()}) {
            Path prefix = dir.resolve(model.layer(0).name() + "/model.ckpt");
            Files.createDirectories(prefix.getParent());
            Models.save(model, prefix, ModelFormat.TF_CHECKPOINT);
            Model back = Models.load(prefix).model();
            assertEquals(model.inputShape(), back.inputShape());
            assertEquals(parameterLayers(model), parameterLayers(back));
            for (Layer l : model.layers()) {
                for (Parameter p : l.parameters()) {
                    assertArrayEquals(l.parameterValues(p.name()), back.layer(l.name()).parameterValues(p.name()),
                            l.name() + "." + p.name());
                }
            }
            float[][] x = new float[3][model.inputWidth()];
            SplittableRandom r = new SplittableRandom(9);
            for (float[] row : x) {
                for (int k = 0; k < row.length; k++) {
                    row[k] = (float) r.nextDouble(-2, 2);
                }
            }
            try (Backend ref = new ReferenceBackend(); Predictor a = Predictor.create(model, ref, 3);
                 Predictor b = Predictor.create(back, ref, 3)) {
                float[][] want = a.predict(x).outputs();
                float[][] got = b.predict(x).outputs();
                for (int i = 0; i < want.length; i++) {
                    assertArrayEquals(want[i], got[i], 1e-6f, model.layer(0).name() + " row " + i);
                }
            }
        }
    }

    @Test
    void batchNormOnVectorsAndGraphsAreRefusedByNameWithNothingWritten(@TempDir Path dir) {
        Model vectorNorm = Model.builder(4, 3).dense("h", 5, Activation.RELU).add(BatchNorm.spec("bn"))
                .dense("out", 2, Activation.SOFTMAX).build();
        Path prefix = dir.resolve("v.ckpt");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TfCheckpointWriter.write(vectorNorm, prefix, TfCheckpointWriter.Naming.WEIGHTS_BIASES));
        assertTrue(e.getMessage().contains("'bn'") && e.getMessage().contains("TF checkpoint writer"), e.getMessage());
        assertFalse(Files.exists(Path.of(prefix + ".index")));
        Model graph = Model.graph(3).input("in", Shape.vector(4))
                .add(dev.graft.Dense.spec("a", 4, Activation.RELU), "in")
                .merge(dev.graft.Add.spec("sum"), "a", "in").build();
        IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
                () -> TfCheckpointWriter.write(graph, dir.resolve("g.ckpt"), TfCheckpointWriter.Naming.WEIGHTS_BIASES));
        assertTrue(g.getMessage().contains("graph model"), g.getMessage());
    }
}
