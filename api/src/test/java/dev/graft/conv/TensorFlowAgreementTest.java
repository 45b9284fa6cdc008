package dev.graft.conv;

import dev.graft.spi.ConvGeometry;
import dev.graft.spi.ZeroPadding;

import static dev.graft.conv.ConvTestSupport.assertClose;
import static dev.graft.conv.ConvTestSupport.report;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.conv.TensorFlowCases.Case;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reference kernels against TensorFlow 2.21's own forward outputs and gradients (Keras 3.15
 * for BatchNormalization and ZeroPadding2D), read from the committed cases file.
 */
class TensorFlowAgreementTest {

    private static final double TOL = 1e-4;

    static List<Case> conv2d() {
        return TensorFlowCases.ofKind("conv2d");
    }

    static List<Case> depthwise() {
        return TensorFlowCases.ofKind("depthwise");
    }

    static List<Case> maxpool() {
        return TensorFlowCases.ofKind("maxpool");
    }

    static List<Case> avgpool() {
        return TensorFlowCases.ofKind("avgpool");
    }

    static List<Case> batchnorm() {
        return TensorFlowCases.ofKind("batchnorm");
    }

    @Test
    void everyKindHasCases() {
        for (String kind : List.of("conv2d", "depthwise", "maxpool", "avgpool", "globalavg", "zeropad", "batchnorm")) {
            assertFalse(TensorFlowCases.ofKind(kind).isEmpty(), kind);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("conv2d")
    void conv2dMatchesTensorFlow(Case c) {
        ConvGeometry g = c.geometry();
        int filters = c.config()[11];
        assertEquals(c.get("y").length, c.batch() * g.outPixels() * filters, "output size of " + g);
        check(c, "y", ReferenceConvKernels.conv2d(g, c.batch(), c.get("x"), c.get("kernel"), filters, c.get("bias")));
        check(c, "dx", ReferenceConvKernels.conv2dBackwardInput(g, c.batch(), c.get("dy"), c.get("kernel"), filters));
        check(c, "dkernel", ReferenceConvKernels.conv2dBackwardKernel(g, c.batch(), c.get("x"), c.get("dy"), filters));
        check(c, "dbias", ReferenceConvKernels.biasGradient(c.get("dy"), c.batch() * g.outPixels(), filters));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("depthwise")
    void depthwiseMatchesTensorFlow(Case c) {
        ConvGeometry g = c.geometry();
        int m = c.config()[11];
        check(c, "y", ReferenceConvKernels.depthwiseConv2d(g, c.batch(), c.get("x"), c.get("kernel"), m, c.get("bias")));
        check(c, "dx", ReferenceConvKernels.depthwiseBackwardInput(g, c.batch(), c.get("dy"), c.get("kernel"), m));
        check(c, "dkernel", ReferenceConvKernels.depthwiseBackwardKernel(g, c.batch(), c.get("x"), c.get("dy"), m));
        check(c, "dbias", ReferenceConvKernels.biasGradient(c.get("dy"), c.batch() * g.outPixels(), g.channels() * m));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("maxpool")
    void maxPoolMatchesTensorFlow(Case c) {
        ConvGeometry g = c.geometry();
        check(c, "y", ReferencePoolingKernels.maxPool(g, c.batch(), c.get("x")));
        check(c, "dx", ReferencePoolingKernels.maxPoolBackward(g, c.batch(), c.get("x"), c.get("dy")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("avgpool")
    void avgPoolMatchesTensorFlow(Case c) {
        ConvGeometry g = c.geometry();
        check(c, "y", ReferencePoolingKernels.avgPool(g, c.batch(), c.get("x")));
        check(c, "dx", ReferencePoolingKernels.avgPoolBackward(g, c.batch(), c.get("dy")));
    }

    @Test
    void globalAveragePoolingMatchesTensorFlow() {
        for (Case c : TensorFlowCases.ofKind("globalavg")) {
            int[] s = c.config();
            check(c, "y", ReferencePoolingKernels.globalAvgPool(s[0], s[1], s[2], s[3], c.get("x")));
            check(c, "dx", ReferencePoolingKernels.globalAvgPoolBackward(s[0], s[1], s[2], s[3], c.get("dy")));
        }
    }

    @Test
    void zeroPaddingMatchesKeras() {
        for (Case c : TensorFlowCases.ofKind("zeropad")) {
            int[] s = c.config();
            ZeroPadding pad = new ZeroPadding(s[4], s[5], s[6], s[7]);
            check(c, "y", ReferencePoolingKernels.zeroPad(pad, s[0], s[1], s[2], s[3], c.get("x")));
            check(c, "dx", ReferencePoolingKernels.zeroPadBackward(pad, s[0], s[1], s[2], s[3], c.get("dy")));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("batchnorm")
    void batchNormMatchesKeras(Case c) {
        int[] s = c.config();
        int rows = s[0] * s[1] * s[2];
        int channels = s[3];
        float momentum = c.get("momentum")[0];
        float epsilon = c.get("epsilon")[0];
        float[] gamma = c.get("gamma");
        check(c, "inference", ReferenceBatchNormKernels.inference(rows, channels, c.get("x"), gamma, c.get("beta"),
                c.get("moving_mean"), c.get("moving_variance"), epsilon));
        ReferenceBatchNormKernels.Training t =
                ReferenceBatchNormKernels.training(rows, channels, c.get("x"), gamma, c.get("beta"), epsilon);
        check(c, "y", t.output());
        float[] mean = c.get("moving_mean").clone();
        float[] variance = c.get("moving_variance").clone();
        ReferenceBatchNormKernels.updateMoving(mean, t.mean(), momentum);
        ReferenceBatchNormKernels.updateMoving(variance, t.variance(), momentum);
        check(c, "new_moving_mean", mean);
        check(c, "new_moving_variance", variance);
        check(c, "fused_batch_variance", ReferenceBatchNormKernels.besselCorrected(t.variance(), rows));
        // the convention is pinned: an update with the Bessel-corrected variance misses Keras 3's value
        float[] unbiased = c.get("moving_variance").clone();
        ReferenceBatchNormKernels.updateMoving(unbiased, ReferenceBatchNormKernels.besselCorrected(t.variance(), rows),
                momentum);
        double gap = 0;
        for (int i = 0; i < channels; i++) {
            gap = Math.max(gap, Math.abs(unbiased[i] - c.get("new_moving_variance")[i]) / (1 + unbiased[i]));
        }
        assertTrue(gap > 3 * TOL, c.name() + ": Keras's moving variance is also within " + gap
                + " of the Bessel-corrected update; the case cannot tell the conventions apart");
        ReferenceBatchNormKernels.Gradients grads = ReferenceBatchNormKernels.trainingBackward(rows, channels,
                c.get("x"), c.get("dy"), gamma, t.mean(), t.variance(), epsilon);
        check(c, "dx", grads.input());
        check(c, "dgamma", grads.gamma());
        check(c, "dbeta", grads.beta());
    }

    private static void check(Case c, String tensor, float[] actual) {
        report("vs TensorFlow: " + c.name() + " " + tensor, assertClose(c.get(tensor), actual, TOL, c.name() + " " + tensor));
    }
}
