package dev.graft.cuda;

import dev.graft.Activation;
import dev.graft.BatchNorm;
import dev.graft.ConvWindow;
import dev.graft.Model;
import dev.graft.Shape;
import dev.graft.conformance.Conformance;
import dev.graft.exec.KernelFamilies;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import dev.graft.spi.Backend;
import dev.graft.spi.ChannelKernels;
import dev.graft.spi.ConvGeometry;
import dev.graft.spi.ConvKernels;
import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.NormalizationKernels;
import dev.graft.spi.Padding;
import dev.graft.spi.PoolingKernels;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;

/**
 * The convolution part of {@link GpuCheck}'s throughput table: Conv2D forward and backward through
 * the CUDA families (NVRTC im2col + cuBLAS) next to the host-loop default that runs without them
 * ({@code HostConvKernels}: device→host, reference loops, host→device), and a small CNN's
 * inference (conv 32 → BN → pool → conv 64 → pool → dense 128 → 5 on 28×28 images) with the
 * families and with the backend's conv capabilities hidden. For the report only; nothing asserts on time.
 */
final class GpuConvThroughput {

    private GpuConvThroughput() {
    }

    static void run(CudaBackend backend, double peakFlops, BiConsumer<String, String> row) {
        ConvGeometry g = ConvGeometry.conv(28, 28, 32, 3, 3, 1, 1, Padding.SAME);
        int batch = 32;
        int filters = 64;
        double flops = 2.0 * batch * g.outPixels() * g.windowSize() * g.channels() * filters;
        SplittableRandom r = new SplittableRandom(4);
        try (DeviceBuffer x = upload(backend, Conformance.random(r, batch * g.inputSize(), 1));
             DeviceBuffer k = upload(backend, Conformance.random(r, g.windowSize() * g.channels() * filters, 1));
             DeviceBuffer y = backend.allocate((long) batch * g.outPixels() * filters);
             DeviceBuffer dx = backend.allocate((long) batch * g.inputSize());
             DeviceBuffer dk = backend.allocate((long) g.windowSize() * g.channels() * filters)) {
            ConvKernels cuda = backend.capability(ConvKernels.class).orElseThrow();
            ConvKernels host = KernelFamilies.composed(backend, ConvKernels.class, backend::allocate);
            Runnable forwardCuda = () -> cuda.conv2d(g, batch, x, k, filters, null, y);
            Runnable backwardCuda = () -> {
                cuda.conv2dBackwardInput(g, batch, y, k, filters, dx);
                cuda.conv2dBackwardKernel(g, batch, x, y, filters, dk);
            };
            double fc = rate(backend, forwardCuda, 50, flops);
            double fh = rate(backend, () -> host.conv2d(g, batch, x, k, filters, null, y), 1, flops);
            String shape = "conv2d 3x3 32->64 on 32x28x28";
            row.accept(shape + " forward, CUDA", gflops(fc) + pct(fc, peakFlops) + String.format(Locale.ROOT, ", %.0fx the host loop", fc / fh));
            row.accept(shape + " forward, host-loop default", gflops(fh));
            double bc = rate(backend, backwardCuda, 20, 2 * flops);
            double bh = rate(backend, () -> {
                host.conv2dBackwardInput(g, batch, y, k, filters, dx);
                host.conv2dBackwardKernel(g, batch, x, y, filters, dk);
            }, 1, 2 * flops);
            row.accept(shape + " backward (input + kernel), CUDA", gflops(bc) + pct(bc, peakFlops) + String.format(Locale.ROOT, ", %.0fx the host loop", bc / bh));
            row.accept(shape + " backward, host-loop default", gflops(bh));
        }
        Model cnn = cnn();
        double cudaRows = cnnRows(backend, cnn, 256, 20);
        double hostRows = cnnRows(withoutConvFamilies(backend), cnn, 64, 1);
        row.accept("CNN inference (conv32-bn-pool-conv64-pool-128-5), batch 256, CUDA",
                String.format(Locale.ROOT, "%.0f images/s (incl. transfers), %.0fx the host loop", cudaRows, cudaRows / hostRows));
        row.accept("CNN inference, host-loop default, batch 64", String.format(Locale.ROOT, "%.0f images/s", hostRows));
    }

    /** The seed scenario's CNN on 28×28×1 images. */
    static Model cnn() {
        return Model.builder(Shape.of(28, 28, 1), 9).conv2d("conv1", 32, ConvWindow.of(3).same(), Activation.RELU)
                .add(BatchNorm.spec("bn1")).maxPool("pool1", 2).conv2d("conv2", 64, ConvWindow.of(3).same(), Activation.RELU)
                .maxPool("pool2", 2).flatten("flat").dense("fc", 128, Activation.RELU).dense("out", 5, Activation.IDENTITY).build();
    }

    static double cnnRows(Backend on, Model model, int batch, int reps) {
        float[] x = Conformance.random(new SplittableRandom(6), batch * 28 * 28, 1);
        float[] out = new float[batch * 5];
        try (Network net = Networks.open(on, NetworkPlan.inference(model, batch))) {
            net.predict(x, 0, batch, out, 0);
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                net.predict(x, 0, batch, out, 0);
            }
            return (double) batch * reps / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** FLOP/s of {@code op} after one warm-up call, waiting for the GPU before and after. */
    private static double rate(CudaBackend backend, Runnable op, int reps, double flopsPerCall) {
        op.run();
        backend.synchronize();
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            op.run();
        }
        backend.synchronize();
        return flopsPerCall * reps / ((System.nanoTime() - t0) / 1e9);
    }

    /** {@code on} with its convolution, pooling, normalisation and channel families hidden, so that graft-api's defaults run. */
    static Backend withoutConvFamilies(Backend on) {
        return (Backend) Proxy.newProxyInstance(GpuConvThroughput.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("capability")) {
                        Class<?> type = (Class<?>) args[0];
                        if (type == ConvKernels.class || type == PoolingKernels.class || type == NormalizationKernels.class
                                || type == ChannelKernels.class) {
                            return Optional.empty();
                        }
                    }
                    if (method.getName().equals("close")) {
                        return null; // the real backend is closed by its owner
                    }
                    try {
                        return method.invoke(on, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static DeviceBuffer upload(CudaBackend backend, float[] values) {
        DeviceBuffer b = backend.allocate(values.length);
        backend.upload(values, 0, b, 0, values.length);
        return b;
    }

    private static String gflops(double flops) {
        return String.format(Locale.ROOT, "%.1f GFLOP/s", flops / 1e9);
    }

    private static String pct(double rate, double peak) {
        return String.format(Locale.ROOT, " (%.1f%% of FP32 peak)", 100 * rate / peak);
    }
}
