package dev.graft.cuda;

import static dev.graft.cuda.HostKernelCase.assertClose;
import static dev.graft.cuda.HostKernelCase.coarse;
import static dev.graft.cuda.HostKernelCase.random;

import dev.graft.conv.ReferencePoolingKernels;
import dev.graft.cuda.HostKernelDevice.HostBuffer;
import dev.graft.spi.ConvGeometry;
import dev.graft.spi.Padding;
import dev.graft.spi.PoolingKernels;
import dev.graft.spi.ZeroPadding;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link CudaPoolingKernels} without a GPU ({@link HostKernelDevice} runs {@code pooling.cu} on the
 * CPU) against {@link ReferencePoolingKernels}: max pooling on inputs with many tied values (the
 * gradient must reach the first maximum only), average pooling with padding excluded, global
 * average pooling and zero padding. Skipped, with the reason, where there is no C++ compiler.
 */
class CudaPoolingKernelsOnHostTest {

    static Stream<Arguments> windows() {
        return Stream.of(
                Arguments.of("2x2 stride 2 same", ConvGeometry.pool(5, 7, 3, 2, 2, 2, 2, Padding.SAME)),
                Arguments.of("3x2 strides 1x2 valid", ConvGeometry.pool(5, 7, 3, 3, 2, 1, 2, Padding.VALID)),
                Arguments.of("3x3 stride 2 same", ConvGeometry.pool(5, 7, 3, 3, 3, 2, 2, Padding.SAME)),
                Arguments.of("4x4 stride 1 same (overlapping, asymmetric)", ConvGeometry.pool(5, 7, 2, 4, 4, 1, 1, Padding.SAME)),
                Arguments.of("2x2 valid", ConvGeometry.pool(5, 7, 3, 2, 2, 2, 2, Padding.VALID)));
    }

    @BeforeEach
    void compiler() {
        HostKernelCase.assumeCompiler();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("windows")
    void maxAndAveragePoolingMatchTheReference(String name, ConvGeometry g) throws Exception {
        int batch = 2;
        SplittableRandom r = new SplittableRandom(name.hashCode());
        float[] x = coarse(r, batch * g.inputSize());
        float[] dy = random(r, batch * g.outPixels() * g.channels());
        HostKernelDevice device = new HostKernelDevice();
        PoolingKernels pool = (PoolingKernels) new CudaConvFamilies(device).of(PoolingKernels.class);
        HostBuffer bx = device.buffer(x);
        HostBuffer bdy = device.buffer(dy);
        HostBuffer max = device.buffer(new float[dy.length]);
        HostBuffer avg = device.buffer(new float[dy.length]);
        HostBuffer maxGrad = device.buffer(random(r, x.length));
        HostBuffer avgGrad = device.buffer(random(r, x.length));
        pool.maxPool(g, batch, bx, max);
        pool.maxPoolBackward(g, batch, bx, bdy, maxGrad);
        pool.avgPool(g, batch, bx, avg);
        pool.avgPoolBackward(g, batch, bdy, avgGrad);
        device.execute();
        assertClose(name + " max pool", ReferencePoolingKernels.maxPool(g, batch, x), max.data, 0);
        assertClose(name + " max pool gradient (first maximum)", ReferencePoolingKernels.maxPoolBackward(g, batch, x, dy),
                maxGrad.data, 1e-6);
        assertClose(name + " average pool", ReferencePoolingKernels.avgPool(g, batch, x), avg.data, 1e-6);
        assertClose(name + " average pool gradient", ReferencePoolingKernels.avgPoolBackward(g, batch, dy), avgGrad.data, 1e-6);
    }

    @Test
    void globalAveragePoolingAndZeroPaddingMatchTheReference() throws Exception {
        int batch = 3;
        int h = 5;
        int w = 7;
        int c = 4;
        ZeroPadding pad = new ZeroPadding(1, 2, 0, 3);
        SplittableRandom r = new SplittableRandom(11);
        float[] x = random(r, batch * h * w * c);
        float[] dyGlobal = random(r, batch * c);
        float[] dyPad = random(r, batch * pad.outHeight(h) * pad.outWidth(w) * c);
        HostKernelDevice device = new HostKernelDevice();
        PoolingKernels pool = (PoolingKernels) new CudaConvFamilies(device).of(PoolingKernels.class);
        HostBuffer bx = device.buffer(x);
        HostBuffer global = device.buffer(new float[batch * c]);
        HostBuffer globalGrad = device.buffer(random(r, x.length));
        HostBuffer padded = device.buffer(random(r, dyPad.length)); // garbage: the border must become zero
        HostBuffer padGrad = device.buffer(random(r, x.length));
        pool.globalAvgPool(batch, h, w, c, bx, global);
        pool.globalAvgPoolBackward(batch, h, w, c, device.buffer(dyGlobal), globalGrad);
        pool.zeroPad(pad, batch, h, w, c, bx, padded);
        pool.zeroPadBackward(pad, batch, h, w, c, device.buffer(dyPad), padGrad);
        device.execute();
        assertClose("global average", ReferencePoolingKernels.globalAvgPool(batch, h, w, c, x), global.data, 1e-6);
        assertClose("global average gradient", ReferencePoolingKernels.globalAvgPoolBackward(batch, h, w, c, dyGlobal),
                globalGrad.data, 0);
        assertClose("zero padding", ReferencePoolingKernels.zeroPad(pad, batch, h, w, c, x), padded.data, 0);
        assertClose("zero padding gradient", ReferencePoolingKernels.zeroPadBackward(pad, batch, h, w, c, dyPad),
                padGrad.data, 0);
    }
}
