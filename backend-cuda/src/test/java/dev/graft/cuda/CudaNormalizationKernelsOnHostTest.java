package dev.graft.cuda;

import static dev.graft.cuda.HostKernelCase.assertClose;
import static dev.graft.cuda.HostKernelCase.random;

import dev.graft.conv.ReferenceBatchNormKernels;
import dev.graft.conv.ReferenceBatchNormKernels.Gradients;
import dev.graft.conv.ReferenceBatchNormKernels.Training;
import dev.graft.cuda.HostKernelDevice.HostBuffer;
import dev.graft.spi.ChannelKernels;
import dev.graft.spi.NormalizationKernels;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link CudaNormalizationKernels} without a GPU ({@link HostKernelDevice} runs
 * {@code normalization.cu} on the CPU) against {@link ReferenceBatchNormKernels}: inference and
 * training forward, both backward passes, the moving-average step, with and without γ/β, on row
 * counts that give one row per reduction range, uneven ranges and one range; and the channel
 * scale/shift and column dot products against direct loops. Skipped, with the reason, where there
 * is no C++ compiler.
 */
class CudaNormalizationKernelsOnHostTest {

    @BeforeEach
    void compiler() {
        HostKernelCase.assumeCompiler();
    }

    @ParameterizedTest(name = "{0} rows x {1} channels, gamma/beta {2}")
    @CsvSource({"1, 3, true", "70, 3, true", "70, 3, false", "2999, 5, true", "12, 9000, true"})
    void batchNormMatchesTheReference(int rows, int channels, boolean affine) throws Exception {
        SplittableRandom r = new SplittableRandom(rows * 131L + channels);
        float[] x = random(r, rows * channels);
        for (int i = 0; i < x.length; i++) {
            x[i] = x[i] * 3 + 2; // a mean far from zero, where a one-pass variance would lose digits
        }
        float[] dy = random(r, x.length);
        float[] gamma = affine ? random(r, channels) : null;
        float[] beta = affine ? random(r, channels) : null;
        float[] movingMean = random(r, channels);
        float[] movingVariance = random(r, channels);
        for (int c = 0; c < channels; c++) {
            movingVariance[c] = Math.abs(movingVariance[c]) + 0.1f;
        }
        float epsilon = 1e-3f;
        HostKernelDevice device = new HostKernelDevice();
        NormalizationKernels bn = (NormalizationKernels) new CudaConvFamilies(device).of(NormalizationKernels.class);
        HostBuffer bx = device.buffer(x);
        HostBuffer bdy = device.buffer(dy);
        HostBuffer bg = gamma == null ? null : device.buffer(gamma);
        HostBuffer bb = beta == null ? null : device.buffer(beta);
        HostBuffer mm = device.buffer(movingMean);
        HostBuffer mv = device.buffer(movingVariance);
        HostBuffer inference = device.buffer(new float[x.length]);
        HostBuffer training = device.buffer(new float[x.length]);
        HostBuffer mean = device.buffer(new float[channels]);
        HostBuffer variance = device.buffer(new float[channels]);
        bn.batchNormInference(rows, channels, bx, bg, bb, mm, mv, epsilon, inference);
        bn.batchNormTraining(rows, channels, bx, bg, bb, epsilon, training, mean, variance);
        device.execute();
        String what = rows + "x" + channels + (affine ? "" : " without gamma/beta");
        assertClose(what + " inference", ReferenceBatchNormKernels.inference(rows, channels, x, gamma, beta, movingMean,
                movingVariance, epsilon), inference.data, 1e-6);
        Training expected = ReferenceBatchNormKernels.training(rows, channels, x, gamma, beta, epsilon);
        assertClose(what + " training output", expected.output(), training.data, 1e-6);
        assertClose(what + " batch mean", expected.mean(), mean.data, 1e-6);
        assertClose(what + " batch variance", expected.variance(), variance.data, 1e-6);

        HostBuffer dxTraining = device.buffer(random(r, x.length));
        HostBuffer dGamma = device.buffer(random(r, channels));
        HostBuffer dBeta = device.buffer(random(r, channels));
        HostBuffer dxInference = device.buffer(random(r, x.length));
        HostBuffer dGammaInference = device.buffer(random(r, channels));
        bn.batchNormBackward(true, rows, channels, bx, bdy, bg, mean, variance, epsilon, dxTraining, dGamma, dBeta);
        bn.batchNormBackward(false, rows, channels, bx, bdy, bg, mm, mv, epsilon, dxInference, dGammaInference, null);
        bn.updateMoving(channels, mm, mean, 0.99f);
        bn.batchNormTraining(rows, channels, bx, bg, bb, epsilon, bx, mean, variance); // in place (y == x)
        device.execute();
        Gradients g = ReferenceBatchNormKernels.trainingBackward(rows, channels, x, dy, gamma, expected.mean(),
                expected.variance(), epsilon);
        assertClose(what + " training input gradient", g.input(), dxTraining.data, 1e-5);
        assertClose(what + " gamma gradient", g.gamma(), dGamma.data, 1e-5);
        assertClose(what + " beta gradient", g.beta(), dBeta.data, 1e-5);
        Gradients gi = ReferenceBatchNormKernels.inferenceBackward(rows, channels, x, dy, gamma, movingMean, movingVariance, epsilon);
        assertClose(what + " inference input gradient", gi.input(), dxInference.data, 1e-6);
        assertClose(what + " inference gamma gradient", gi.gamma(), dGammaInference.data, 1e-5);
        float[] moved = movingMean.clone();
        ReferenceBatchNormKernels.updateMoving(moved, expected.mean(), 0.99f);
        assertClose(what + " moving mean", moved, mm.data, 0);
        assertClose(what + " in-place training output", expected.output(), bx.data, 1e-6);
    }

    @ParameterizedTest(name = "{0} x {1}")
    @CsvSource({"1, 4", "33, 7", "3000, 2"})
    void channelScaleShiftAndColumnDotsMatchDirectLoops(int rows, int cols) throws Exception {
        SplittableRandom r = new SplittableRandom(rows + cols);
        float[] x = random(r, rows * cols);
        float[] b = random(r, rows * cols);
        float[] scale = random(r, cols);
        float[] shift = random(r, cols);
        HostKernelDevice device = new HostKernelDevice();
        ChannelKernels channels = (ChannelKernels) new CudaConvFamilies(device).of(ChannelKernels.class);
        HostBuffer bx = device.buffer(x);
        HostBuffer bx2 = device.buffer(x);
        HostBuffer dots = device.buffer(random(r, cols));
        channels.columnDots(bx, device.buffer(b), rows, cols, dots);
        channels.scaleShift(bx, device.buffer(scale), device.buffer(shift), rows, cols);
        channels.scaleShift(bx2, device.buffer(scale), null, rows, cols);
        device.execute();
        float[] shifted = new float[x.length];
        float[] scaled = new float[x.length];
        double[] sums = new double[cols];
        for (int i = 0; i < x.length; i++) {
            scaled[i] = x[i] * scale[i % cols];
            shifted[i] = scaled[i] + shift[i % cols];
            sums[i % cols] += (double) x[i] * b[i];
        }
        float[] expectedDots = new float[cols];
        for (int c = 0; c < cols; c++) {
            expectedDots[c] = (float) sums[c];
        }
        assertClose("scale and shift", shifted, bx.data, 0);
        assertClose("scale only", scaled, bx2.data, 0);
        assertClose("column dots", expectedDots, dots.data, 1e-6);
    }
}
