package dev.graft.cuda;

import static dev.graft.cuda.HostKernelCase.assertClose;
import static dev.graft.cuda.HostKernelCase.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.conv.ReferenceConvKernels;
import dev.graft.cuda.HostKernelDevice.HostBuffer;
import dev.graft.spi.ConvGeometry;
import dev.graft.spi.ConvKernels;
import dev.graft.spi.Padding;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link CudaConvKernels} without a GPU: the Java side's launches and cuBLAS calls are recorded and
 * replayed on the CPU over the same {@code conv.cu} / {@code normalization.cu} text NVRTC compiles
 * ({@link HostKernelDevice}), and every result is compared with {@link ReferenceConvKernels}, on the
 * conformance suite's odd shapes (5×7 images, 3 channels, stride 2, {@code same} with even kernels,
 * dilation 2, unequal strides), with the im2col chunking forced to one image per GEMM and without.
 * Skipped, with the reason, where there is no C++ compiler.
 */
class CudaConvKernelsOnHostTest {

    static Stream<Arguments> geometries() {
        return Stream.of(
                Arguments.of("3x3 stride 2 same", ConvGeometry.conv(5, 7, 3, 3, 3, 2, 1, Padding.SAME)),
                Arguments.of("2x4 same (even kernel)", ConvGeometry.conv(5, 7, 3, 2, 4, 1, 1, Padding.SAME)),
                Arguments.of("2x2 dilation 2 valid", ConvGeometry.conv(5, 7, 3, 2, 2, 1, 2, Padding.VALID)),
                Arguments.of("4x4 stride 2 same (asymmetric padding)", ConvGeometry.conv(5, 7, 3, 4, 4, 2, 1, Padding.SAME)),
                Arguments.of("3x2 strides 2x1 dilation 1x2 same", new ConvGeometry(6, 5, 2, 3, 2, 2, 1, 1, 2, Padding.SAME)),
                Arguments.of("1x1 pointwise", ConvGeometry.conv(5, 7, 3, 1, 1, 1, 1, Padding.VALID)),
                Arguments.of("1x1 stride 2", ConvGeometry.conv(5, 7, 3, 1, 1, 2, 1, Padding.SAME)));
    }

    @BeforeEach
    void compiler() {
        HostKernelCase.assumeCompiler();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("geometries")
    void conv2dForwardAndBothGradientsMatchTheReference(String name, ConvGeometry g) throws Exception {
        for (long scratch : new long[] {1, CudaConvKernels.DEFAULT_SCRATCH_FLOATS}) {
            for (int batch : new int[] {1, 3}) {
                SplittableRandom r = new SplittableRandom(name.hashCode() + batch);
                int filters = 5;
                float[] x = random(r, batch * g.inputSize());
                float[] k = random(r, g.windowSize() * g.channels() * filters);
                float[] bias = random(r, filters);
                float[] dy = random(r, batch * g.outPixels() * filters);
                HostKernelDevice device = new HostKernelDevice();
                ConvKernels conv = (ConvKernels) new CudaConvFamilies(device, scratch).of(ConvKernels.class);
                HostBuffer bx = device.buffer(x);
                HostBuffer bk = device.buffer(k);
                HostBuffer bb = device.buffer(bias);
                HostBuffer bdy = device.buffer(dy);
                HostBuffer y = device.buffer(new float[batch * g.outPixels() * filters]);
                HostBuffer yNoBias = device.buffer(new float[batch * g.outPixels() * filters]);
                HostBuffer dx = device.buffer(new float[batch * g.inputSize()]);
                HostBuffer dk = device.buffer(random(r, k.length)); // garbage: the gradient is written, not added
                conv.conv2d(g, batch, bx, bk, filters, bb, y);
                conv.conv2d(g, batch, bx, bk, filters, null, yNoBias);
                conv.conv2dBackwardInput(g, batch, bdy, bk, filters, dx);
                conv.conv2dBackwardKernel(g, batch, bx, bdy, filters, dk);
                device.execute();
                String what = name + ", batch " + batch + ", scratch " + scratch;
                assertClose(what + " forward", ReferenceConvKernels.conv2d(g, batch, x, k, filters, bias), y.data, 1e-5);
                assertClose(what + " forward without bias", ReferenceConvKernels.conv2d(g, batch, x, k, filters, null),
                        yNoBias.data, 1e-5);
                assertClose(what + " input gradient", ReferenceConvKernels.conv2dBackwardInput(g, batch, dy, k, filters),
                        dx.data, 1e-5);
                assertClose(what + " kernel gradient", ReferenceConvKernels.conv2dBackwardKernel(g, batch, x, dy, filters),
                        dk.data, 1e-5);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("geometries")
    void depthwiseForwardAndBothGradientsMatchTheReference(String name, ConvGeometry g) throws Exception {
        for (int multiplier : new int[] {1, 2}) {
            int batch = 2;
            SplittableRandom r = new SplittableRandom(name.hashCode() * 31L + multiplier);
            int outC = g.channels() * multiplier;
            float[] x = random(r, batch * g.inputSize());
            float[] k = random(r, g.windowSize() * outC);
            float[] bias = random(r, outC);
            float[] dy = random(r, batch * g.outPixels() * outC);
            HostKernelDevice device = new HostKernelDevice();
            ConvKernels conv = (ConvKernels) new CudaConvFamilies(device).of(ConvKernels.class);
            HostBuffer bx = device.buffer(x);
            HostBuffer bk = device.buffer(k);
            HostBuffer bdy = device.buffer(dy);
            HostBuffer y = device.buffer(new float[batch * g.outPixels() * outC]);
            HostBuffer dx = device.buffer(random(r, x.length));
            HostBuffer dk = device.buffer(random(r, k.length));
            conv.depthwiseConv2d(g, batch, bx, bk, multiplier, device.buffer(bias), y);
            conv.depthwiseBackwardInput(g, batch, bdy, bk, multiplier, dx);
            conv.depthwiseBackwardKernel(g, batch, bx, bdy, multiplier, dk);
            device.execute();
            String what = name + ", multiplier " + multiplier;
            assertClose(what + " forward", ReferenceConvKernels.depthwiseConv2d(g, batch, x, k, multiplier, bias), y.data, 1e-5);
            assertClose(what + " input gradient", ReferenceConvKernels.depthwiseBackwardInput(g, batch, dy, k, multiplier),
                    dx.data, 1e-5);
            assertClose(what + " kernel gradient", ReferenceConvKernels.depthwiseBackwardKernel(g, batch, x, dy, multiplier),
                    dk.data, 1e-5);
        }
    }

    @Test
    void scratchIsAllocatedOnceAndReusedAcrossCalls() throws Exception {
        ConvGeometry g = ConvGeometry.conv(5, 7, 3, 3, 3, 1, 1, Padding.SAME);
        HostKernelDevice device = new HostKernelDevice();
        CudaConvFamilies families = new CudaConvFamilies(device);
        ConvKernels conv = (ConvKernels) families.of(ConvKernels.class);
        SplittableRandom r = new SplittableRandom(3);
        HostBuffer x = device.buffer(random(r, 4 * g.inputSize()));
        HostBuffer k = device.buffer(random(r, 27 * 2));
        HostBuffer y = device.buffer(new float[4 * g.outPixels() * 2]);
        conv.conv2d(g, 4, x, k, 2, null, y);
        int afterFirst = device.allocations();
        for (int i = 0; i < 5; i++) {
            conv.conv2d(g, 4, x, k, 2, null, y);
            conv.conv2dBackwardKernel(g, 4, x, y, 2, k);
            conv.conv2d(g, 2, x, k, 2, null, y);
        }
        assertEquals(1, afterFirst, "one column buffer");
        assertEquals(afterFirst, device.allocations(), "no allocation after the first call at the largest shape");
        families.close();
    }

    @Test
    void wrongBufferSizesAreRefusedNamingTheTensorAndGeometry() {
        ConvGeometry g = ConvGeometry.conv(5, 7, 3, 3, 3, 2, 1, Padding.SAME);
        HostKernelDevice device = new HostKernelDevice();
        ConvKernels conv = (ConvKernels) new CudaConvFamilies(device).of(ConvKernels.class);
        HostBuffer x = device.buffer(new float[g.inputSize()]);
        HostBuffer k = device.buffer(new float[27 * 4 - 1]);
        HostBuffer y = device.buffer(new float[g.outPixels() * 4]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> conv.conv2d(g, 1, x, k, 4, null, y));
        assertTrue(e.getMessage().contains("conv2d kernel") && e.getMessage().contains("5x7x3"), e.getMessage());
        assertEquals(0, device.launches(), "nothing launched");
    }
}
