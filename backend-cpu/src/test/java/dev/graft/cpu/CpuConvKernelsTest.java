package dev.graft.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.spi.ConvGeometry;
import dev.graft.spi.Padding;
import dev.graft.conv.ReferenceConvKernels;
import dev.graft.conv.ReferencePoolingKernels;
import dev.graft.spi.ZeroPadding;
import dev.graft.spi.DeviceBuffer;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CPU convolution and pooling kernels against the reference kernels (the double-precision
 * oracle) on odd sizes: batch 1 and 2, 5×7 images with 3 channels, stride 2, SAME with even
 * kernels, dilation 2, 1×1 convolutions, and column buffers too small for the whole batch.
 */
class CpuConvKernelsTest {

    /** A geometry, batch, filter count (conv) / multiplier (depthwise) and column-buffer limit. */
    record Case(ConvGeometry g, int batch, int filters, int scratchFloats) {

        static Case of(int batch, int h, int w, int c, int kh, int kw, int sh, int sw, int d, Padding p, int filters) {
            return new Case(new ConvGeometry(h, w, c, kh, kw, sh, sw, d, d, p), batch, filters,
                    CpuConvKernels.DEFAULT_SCRATCH_FLOATS);
        }

        Case withScratch(int floats) {
            return new Case(g, batch, filters, floats);
        }

        @Override
        public String toString() {
            return "batch " + batch + " " + g + " n" + filters + (scratchFloats == CpuConvKernels.DEFAULT_SCRATCH_FLOATS
                    ? "" : " scratch " + scratchFloats);
        }
    }

    static List<Case> cases() {
        Case chunked = Case.of(5, 12, 11, 5, 3, 3, 1, 1, 1, Padding.SAME, 7);
        int perImage = 12 * 11 * 9 * 5;
        return List.of(
                Case.of(1, 5, 7, 3, 3, 3, 1, 1, 1, Padding.VALID, 4),
                Case.of(2, 5, 7, 3, 2, 2, 2, 2, 1, Padding.SAME, 2),
                Case.of(2, 5, 7, 3, 3, 2, 1, 1, 2, Padding.SAME, 2),
                Case.of(1, 5, 7, 3, 4, 4, 2, 1, 1, Padding.SAME, 3),
                Case.of(2, 5, 7, 3, 2, 3, 2, 2, 2, Padding.VALID, 1),
                Case.of(2, 5, 7, 3, 3, 3, 2, 2, 2, Padding.SAME, 2),
                Case.of(2, 5, 7, 3, 1, 1, 1, 1, 1, Padding.SAME, 4),
                Case.of(2, 5, 7, 3, 1, 1, 2, 2, 1, Padding.VALID, 4),
                Case.of(2, 6, 6, 3, 2, 2, 2, 2, 1, Padding.SAME, 2),
                chunked.withScratch(2 * perImage),
                chunked.withScratch(1));
    }

    private final CpuBackend backend = (CpuBackend) CpuTestSupport.open();

    @AfterEach
    void close() {
        backend.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void conv2dMatchesReference(Case c) {
        ConvGeometry g = c.g();
        int f = c.filters();
        int k = g.windowSize() * g.channels();
        int outLen = c.batch() * g.outPixels() * f;
        SplittableRandom rnd = new SplittableRandom(c.toString().hashCode());
        float[] x = CpuTestSupport.random(rnd, c.batch() * g.inputSize());
        float[] w = CpuTestSupport.random(rnd, k * f);
        float[] b = CpuTestSupport.random(rnd, f);
        float[] dy = CpuTestSupport.random(rnd, outLen);
        try (CpuConvKernels kernels = new CpuConvKernels(backend, c.scratchFloats())) {
            DeviceBuffer xb = put(x);
            DeviceBuffer wb = put(w);
            DeviceBuffer dyb = put(dy);
            DeviceBuffer y = backend.allocate(outLen);
            kernels.conv2d(g, c.batch(), xb, wb, f, put(b), y);
            double tol = 1e-5 * Math.sqrt(k);
            check(ReferenceConvKernels.conv2d(g, c.batch(), x, w, f, b), y, tol, "conv2d " + c);
            kernels.conv2d(g, c.batch(), xb, wb, f, null, y);
            check(ReferenceConvKernels.conv2d(g, c.batch(), x, w, f, null), y, tol, "conv2d without bias " + c);
            DeviceBuffer dx = filled(c.batch() * g.inputSize(), Float.NaN);
            kernels.conv2dBackwardInput(g, c.batch(), dyb, wb, f, dx);
            check(ReferenceConvKernels.conv2dBackwardInput(g, c.batch(), dy, w, f), dx, 1e-5 * Math.sqrt(k * f),
                    "conv2d input gradient " + c);
            DeviceBuffer dw = filled(k * f, Float.NaN);
            kernels.conv2dBackwardKernel(g, c.batch(), xb, dyb, f, dw);
            check(ReferenceConvKernels.conv2dBackwardKernel(g, c.batch(), x, dy, f), dw,
                    1e-5 * Math.sqrt(c.batch() * g.outPixels()), "conv2d kernel gradient " + c);
            DeviceBuffer db = filled(f, Float.NaN);
            kernels.biasGradient(dyb, c.batch() * g.outPixels(), f, db);
            check(ReferenceConvKernels.biasGradient(dy, c.batch() * g.outPixels(), f), db, 1e-5, "bias gradient " + c);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void depthwiseMatchesReference(Case c) {
        ConvGeometry g = c.g();
        int m = 1 + c.filters() % 3;
        int outC = g.channels() * m;
        int outLen = c.batch() * g.outPixels() * outC;
        SplittableRandom rnd = new SplittableRandom(c.toString().hashCode() + 1);
        float[] x = CpuTestSupport.random(rnd, c.batch() * g.inputSize());
        float[] w = CpuTestSupport.random(rnd, g.windowSize() * outC);
        float[] b = CpuTestSupport.random(rnd, outC);
        float[] dy = CpuTestSupport.random(rnd, outLen);
        try (CpuConvKernels kernels = new CpuConvKernels(backend)) {
            DeviceBuffer y = backend.allocate(outLen);
            kernels.depthwiseConv2d(g, c.batch(), put(x), put(w), m, put(b), y);
            String what = "depthwise multiplier " + m + " " + c;
            check(ReferenceConvKernels.depthwiseConv2d(g, c.batch(), x, w, m, b), y, 1e-5, what);
            kernels.depthwiseConv2d(g, c.batch(), put(x), put(w), m, null, y);
            check(ReferenceConvKernels.depthwiseConv2d(g, c.batch(), x, w, m, null), y, 1e-5, what + " without bias");
            DeviceBuffer dx = filled(c.batch() * g.inputSize(), Float.NaN);
            kernels.depthwiseBackwardInput(g, c.batch(), put(dy), put(w), m, dx);
            check(ReferenceConvKernels.depthwiseBackwardInput(g, c.batch(), dy, w, m), dx, 1e-5, what + " input gradient");
            DeviceBuffer dw = filled(g.windowSize() * outC, Float.NaN);
            kernels.depthwiseBackwardKernel(g, c.batch(), put(x), put(dy), m, dw);
            check(ReferenceConvKernels.depthwiseBackwardKernel(g, c.batch(), x, dy, m), dw,
                    1e-5 * Math.sqrt(g.outPixels()), what + " kernel gradient");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void poolingMatchesReference(Case c) {
        ConvGeometry g = c.g();
        int outLen = c.batch() * g.outPixels() * g.channels();
        SplittableRandom rnd = new SplittableRandom(c.toString().hashCode() + 2);
        float[] x = CpuTestSupport.random(rnd, c.batch() * g.inputSize());
        if (c.filters() % 2 == 0) {
            for (int i = 0; i < x.length; i++) {
                x[i] = Math.round(x[i]); // ties: the gradient must go to the first maximum
            }
        }
        float[] dy = CpuTestSupport.random(rnd, outLen);
        try (CpuConvKernels kernels = new CpuConvKernels(backend)) {
            DeviceBuffer y = backend.allocate(outLen);
            kernels.maxPool(g, c.batch(), put(x), y);
            check(ReferencePoolingKernels.maxPool(g, c.batch(), x), y, 0, "max pool " + c);
            DeviceBuffer dx = filled(x.length, Float.NaN);
            kernels.maxPoolBackward(g, c.batch(), put(x), put(dy), dx);
            check(ReferencePoolingKernels.maxPoolBackward(g, c.batch(), x, dy), dx, 1e-6, "max pool gradient " + c);
            kernels.avgPool(g, c.batch(), put(x), y);
            check(ReferencePoolingKernels.avgPool(g, c.batch(), x), y, 1e-6, "average pool " + c);
            kernels.avgPoolBackward(g, c.batch(), put(dy), dx);
            check(ReferencePoolingKernels.avgPoolBackward(g, c.batch(), dy), dx, 1e-6, "average pool gradient " + c);
        }
    }

    @Test
    void globalAverageAndZeroPaddingMatchReference() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int batch : new int[] {1, 2, 3}) {
            float[] x = CpuTestSupport.random(rnd, batch * 5 * 7 * 3);
            float[] dy = CpuTestSupport.random(rnd, batch * 3);
            try (CpuConvKernels kernels = new CpuConvKernels(backend)) {
                DeviceBuffer y = backend.allocate(batch * 3);
                kernels.globalAvgPool(batch, 5, 7, 3, put(x), y);
                check(ReferencePoolingKernels.globalAvgPool(batch, 5, 7, 3, x), y, 1e-6, "global average batch " + batch);
                DeviceBuffer dx = filled(x.length, Float.NaN);
                kernels.globalAvgPoolBackward(batch, 5, 7, 3, put(dy), dx);
                check(ReferencePoolingKernels.globalAvgPoolBackward(batch, 5, 7, 3, dy), dx, 1e-6,
                        "global average gradient batch " + batch);
                ZeroPadding pad = new ZeroPadding(2, 1, 0, 3);
                int padded = batch * 8 * 10 * 3;
                DeviceBuffer py = filled(padded, Float.NaN);
                kernels.zeroPad(pad, batch, 5, 7, 3, put(x), py);
                check(ReferencePoolingKernels.zeroPad(pad, batch, 5, 7, 3, x), py, 0, "zero padding batch " + batch);
                float[] pdy = CpuTestSupport.random(rnd, padded);
                kernels.zeroPadBackward(pad, batch, 5, 7, 3, put(pdy), dx);
                check(ReferencePoolingKernels.zeroPadBackward(pad, batch, 5, 7, 3, pdy), dx, 0,
                        "zero padding gradient batch " + batch);
            }
        }
    }

    @Test
    void columnBufferIsReusedAndFreedOnClose() {
        ConvGeometry g = ConvGeometry.conv(5, 7, 3, 3, 3, 1, 1, Padding.SAME);
        int before = backend.openBuffers();
        DeviceBuffer x = backend.allocate(2L * g.inputSize());
        DeviceBuffer w = backend.allocate(27 * 4);
        DeviceBuffer y = backend.allocate(2L * g.outPixels() * 4);
        try (CpuConvKernels kernels = new CpuConvKernels(backend)) {
            kernels.conv2d(g, 2, x, w, 4, null, y);
            int afterFirst = backend.openBuffers();
            kernels.conv2d(g, 2, x, w, 4, null, y);
            kernels.conv2dBackwardKernel(g, 2, x, y, 4, w);
            assertEquals(afterFirst, backend.openBuffers(), "no new buffer per call");
            assertEquals(before + 4, afterFirst, "one column buffer besides x, w and y");
        }
        assertEquals(before + 3, backend.openBuffers(), "close frees the column buffer");
    }

    @Test
    void wrongSizesAndForeignBuffersAreRefusedByName() {
        ConvGeometry g = ConvGeometry.conv(5, 7, 3, 3, 3, 1, 1, Padding.SAME);
        try (CpuConvKernels kernels = new CpuConvKernels(backend)) {
            IllegalArgumentException small = assertThrows(IllegalArgumentException.class, () -> kernels.conv2d(g, 2,
                    backend.allocate(2L * g.inputSize()), backend.allocate(27 * 4 - 1), 4, null,
                    backend.allocate(2L * g.outPixels() * 4)));
            assertTrue(small.getMessage().contains("conv2d kernel [kh, kw, in, out]")
                    && small.getMessage().contains("needs 108 floats"), small.getMessage());
            IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class,
                    () -> kernels.maxPool(g, 1, new dev.graft.reference.ReferenceBackend().allocate(105),
                            backend.allocate(105)));
            assertTrue(foreign.getMessage().contains("max pool input"), foreign.getMessage());
        }
    }

    DeviceBuffer put(float[] values) {
        return CpuTestSupport.put(backend, values);
    }

    DeviceBuffer filled(int n, float value) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, value);
        return put(v);
    }

    void check(float[] expected, DeviceBuffer actual, double tol, String what) {
        double[] e = new double[expected.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = expected[i];
        }
        float[] got = CpuTestSupport.get(backend, actual, expected.length);
        CpuTestSupport.assertClose(e, got, tol, what);
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - e[i]) / (1 + Math.abs(e[i])));
        }
        System.out.printf("max error vs reference: %-90s %.3e%n", what, worst);
    }
}
