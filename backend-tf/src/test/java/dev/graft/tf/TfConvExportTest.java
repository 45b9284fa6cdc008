package dev.graft.tf;

import static dev.graft.conformance.Conformance.assertClose;
import static dev.graft.conformance.Conformance.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.graft.Activation;
import dev.graft.ConvWindow;
import dev.graft.DepthwiseConv2D;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.Parameter;
import dev.graft.Shape;
import dev.graft.conformance.Conformance;
import dev.graft.loader.Models;
import dev.graft.predict.Predictor;
import dev.graft.reference.ReferenceBackend;
import dev.graft.spi.Backend;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.types.TFloat32;

/**
 * A CNN exported to TF (checkpoint + {@code .meta}, and SavedModel) round-trips through Graft's own loader: the same
 * layer types in order, every parameter bit-identical, and the same predictions; TensorFlow's own run of the
 * exported SavedModel agrees with Graft's reference too.
 */
class TfConvExportTest {

    private static final int ROWS = 3;

    @BeforeAll
    static void requireTf() {
        Conformance.requireOrSkip(new TfBackendProvider());
    }

    private static Model cnn() {
        return Model.builder(Shape.of(9, 8, 2), 5)
                .conv2d("c1", 4, ConvWindow.of(3).same(), Activation.IDENTITY).activation("act", Activation.RELU6)
                .zeroPadding("zp", 1).maxPool("mp", 2)
                .add(DepthwiseConv2D.spec("dw", ConvWindow.of(2).dilation(2).same(), Activation.TANH).multiplier(2))
                .conv2d("c2", 3, ConvWindow.of(2).strides(2), Activation.ELU).avgPool("ap", 1)
                .flatten("flat").dense("out", 3, Activation.SOFTMAX).build();
    }

    private static String types(Model m) {
        return m.layers().stream().map(l -> l.description().type()).collect(Collectors.joining(" "));
    }

    private static float[][] predict(Model m, Backend b, float[][] x) {
        try (Predictor p = Predictor.create(m, b, x.length)) {
            return p.predict(x).outputs();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"checkpoint", "saved-model"})
    void aCnnRoundTripsThroughGraftsLoader(String format, @TempDir Path dir) throws Exception {
        Model model = cnn();
        Path target = format.equals("checkpoint") ? dir.resolve("cnn.ckpt") : dir.resolve("saved");
        if (format.equals("checkpoint")) {
            TfExport.checkpoint(model, target);
        } else {
            TfExport.savedModel(model, target);
        }
        Model back = Models.load(target).model();
        // Parameterless layers come back with generated names; the types, order and weights must be the same.
        assertEquals(types(model).replace("activation ", ""), types(back).replace("activation ", ""), "layer types");
        assertEquals(model.inputShape(), back.inputShape());
        for (Layer l : model.layers()) {
            for (Parameter p : l.parameters()) {
                assertArrayEquals(l.parameterValues(p.name()), back.layer(l.name()).parameterValues(p.name()),
                        l.name() + "." + p.name());
            }
        }
        float[][] x = new float[ROWS][];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < ROWS; i++) {
            x[i] = random(r, model.inputWidth(), 1);
        }
        try (Backend reference = new ReferenceBackend()) {
            float[][] want = predict(model, reference, x);
            float[][] got = predict(back, reference, x);
            for (int i = 0; i < ROWS; i++) {
                assertClose("row " + i + " after the round trip", want[i], got[i], 1e-6, 1e-6);
            }
            if (format.equals("saved-model")) {
                try (SavedModelBundle bundle = SavedModelBundle.load(target.toString(), "serve");
                     TFloat32 in = TfNetwork.matrix(flat(x), 0, ROWS, model.inputWidth());
                     Result res = bundle.session().runner().feed(TfExport.INPUT, in).fetch(TfExport.OUTPUT).run()) {
                    float[] tfOut = new float[ROWS * model.outputWidth()];
                    ((TFloat32) res.get(0)).asRawTensor().data().asFloats().read(tfOut, 0, tfOut.length);
                    assertClose("TensorFlow running the exported SavedModel", flat(want), tfOut, 1e-5, 1e-5);
                }
            }
        }
    }

    private static float[] flat(float[][] rows) {
        int w = rows[0].length;
        float[] out = new float[rows.length * w];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * w, w);
        }
        return out;
    }
}
