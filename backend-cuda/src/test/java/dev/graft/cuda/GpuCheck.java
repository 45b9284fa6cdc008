package dev.graft.cuda;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.spi.BackendOptions;
import dev.graft.spi.DeviceBuffer;
import dev.graft.exec.Network;
import dev.graft.exec.Networks;
import dev.graft.exec.NetworkPlan;
import dev.graft.train.Loss;
import dev.graft.train.Optimizer;
import dev.graft.train.TrainingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The GPU machine's check (run by {@code backend-cuda/gpu-check.sh run}, where there is no Maven):
 * the conformance suite and the CUDA-only tests through the JUnit launcher, any skip or abort
 * counted as a failure; then GEMM, frozen-forward and train-step throughput next to cuBLAS's own
 * large-GEMM rate on the same card, and convolution throughput (Conv2D forward/backward and a small
 * CNN's inference) next to the host-loop default that runs where a backend has no conv kernels.
 * Prints a short table last; exits 1 on any failure or skip.
 * Timings are for the report only; no test asserts on time.
 */
public final class GpuCheck {

    private static final List<String[]> TABLE = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        System.setProperty("graft.requireBackends", "cuda");
        int[] counts = runSuite(CudaBackendProviderTest.class, CudaBackendGpuTest.class, CudaConvKernelsGpuTest.class,
                CudaConformanceTest.class);
        boolean suiteOk = counts[1] == 0 && counts[2] == 0 && counts[0] > 0;
        String bench = "not run (CUDA unavailable)";
        if (new CudaBackendProvider().probe().available()) {
            try {
                throughput();
                bench = "ok";
            } catch (RuntimeException e) {
                e.printStackTrace();
                bench = "FAILED: " + e;
            }
        }
        System.out.println();
        System.out.println("=== CUDA GPU check: " + new CudaBackendProvider().probe().reason());
        System.out.printf(Locale.ROOT, "%-44s %s%n", "conformance + CUDA tests", counts[0] + " passed, " + counts[1]
                + " failed, " + counts[2] + " skipped/aborted" + (suiteOk ? "" : "   <-- FAIL"));
        for (String[] row : TABLE) {
            System.out.printf(Locale.ROOT, "%-44s %s%n", row[0], row[1]);
        }
        System.out.printf(Locale.ROOT, "%-44s %s%n", "throughput", bench);
        System.exit(suiteOk && bench.equals("ok") ? 0 : 1);
    }

    /** Runs the classes; returns {passed, failed, skipped-or-aborted}, containers included. */
    private static int[] runSuite(Class<?>... classes) {
        int[] counts = new int[3];
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
        for (Class<?> c : classes) {
            request.selectors(selectClass(c));
        }
        LauncherDiscoveryRequest built = request.build();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(built, new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                counts[2]++;
                System.out.println("SKIPPED " + id.getDisplayName() + ": " + reason);
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                switch (result.getStatus()) {
                    case SUCCESSFUL -> {
                        if (id.isTest()) {
                            counts[0]++;
                        }
                    }
                    case ABORTED -> {
                        counts[2]++;
                        System.out.println("ABORTED " + id.getDisplayName() + ": " + result.getThrowable().map(Throwable::getMessage).orElse(""));
                    }
                    case FAILED -> {
                        counts[1]++;
                        System.out.println("FAILED " + id.getDisplayName() + ": " + result.getThrowable().map(Object::toString).orElse(""));
                        result.getThrowable().ifPresent(Throwable::printStackTrace);
                    }
                }
            }
        });
        return counts;
    }

    private static void throughput() {
        double peak = gemmRate(false, 4096, 4096, 4096, 10);
        row("cuBLAS sgemm 4096^3 (FP32)", gflops(peak) + "  = 100%");
        double peakTf32 = gemmRate(true, 4096, 4096, 4096, 10);
        row("cuBLAS sgemm 4096^3 (cuda.tf32=true)", gflops(peakTf32) + pct(peakTf32, peak));
        double mlp = gemmRate(false, 1024, 300, 500, 200);
        row("gemm 1024x300x500 (hidden1, batch 1024)", gflops(mlp) + pct(mlp, peak));

        Model model = Model.builder(500, 7).dense("hidden1", 300, Activation.RELU).dense("hidden2", 100, Activation.RELU)
                .dense("hidden3", 50, Activation.RELU).dense("output", 5, Activation.IDENTITY).build();
        double flopsPerRow = 2.0 * (500 * 300 + 300 * 100 + 100 * 50 + 50 * 5);
        int batch = 1024;
        float[] x = dev.graft.conformance.Conformance.random(new SplittableRandom(5), batch * 500, 1);
        float[] labels = new float[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = i % 5;
        }
        try (CudaBackend backend = open(false); Network net = Networks.open(backend, NetworkPlan.inference(model, batch))) {
            float[] out = new float[batch * 5];
            for (int i = 0; i < 5; i++) {
                net.predict(x, 0, batch, out, 0);
            }
            int reps = 200;
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                net.predict(x, 0, batch, out, 0);
            }
            double s = (System.nanoTime() - t0) / 1e9;
            double rate = flopsPerRow * batch * reps / s;
            row("frozen forward 500-300-100-50-5, batch 1024", String.format(Locale.ROOT, "%.0f rows/s, %s%s (incl. transfers)",
                    batch * reps / s, gflops(rate), pct(rate, peak)));
        }
        Model frozen = model.with(0, ((Dense) model.layer(0)).withTrainable(false)).with(1, ((Dense) model.layer(1)).withTrainable(false));
        TrainingConfig sgd = new TrainingConfig(Loss.SOFTMAX_CROSS_ENTROPY, Optimizer.sgd(0.01f), 0f, Map.of(), 1L);
        try (CudaBackend backend = open(false); Network net = Networks.open(backend, new NetworkPlan(frozen, sgd, batch))) {
            for (int i = 0; i < 5; i++) {
                net.trainStep(x, labels, batch);
            }
            int reps = 200;
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                net.trainStep(x, labels, batch);
            }
            double s = (System.nanoTime() - t0) / 1e9;
            row("train step (hidden1-2 frozen), batch 1024", String.format(Locale.ROOT, "%.0f steps/s, %.0f rows/s", reps / s, batch * reps / s));
        }
        try (CudaBackend backend = open(false)) {
            GpuConvThroughput.run(backend, peak, GpuCheck::row);
        }
    }

    /** FLOP/s of repeated row-major sgemm at the given shape, after a warm-up. */
    private static double gemmRate(boolean tf32, int m, int n, int k, int reps) {
        try (CudaBackend backend = open(tf32)) {
            SplittableRandom random = new SplittableRandom(1);
            DeviceBuffer a = backend.allocate((long) m * k);
            DeviceBuffer b = backend.allocate((long) k * n);
            DeviceBuffer c = backend.allocate((long) m * n);
            backend.upload(dev.graft.conformance.Conformance.random(random, m * k, 1), 0, a, 0, m * k);
            backend.upload(dev.graft.conformance.Conformance.random(random, k * n, 1), 0, b, 0, k * n);
            for (int i = 0; i < 3; i++) {
                backend.gemm(false, false, m, n, k, 1f, a, b, 0f, c);
            }
            backend.synchronize();
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                backend.gemm(false, false, m, n, k, 1f, a, b, 0f, c);
            }
            backend.synchronize();
            double s = (System.nanoTime() - t0) / 1e9;
            return 2.0 * m * n * k * reps / s;
        }
    }

    private static CudaBackend open(boolean tf32) {
        return (CudaBackend) new CudaBackendProvider().open(new BackendOptions(0, Map.of(CudaBackend.TF32, Boolean.toString(tf32))));
    }

    private static String gflops(double flops) {
        return String.format(Locale.ROOT, "%.0f GFLOP/s", flops / 1e9);
    }

    private static String pct(double rate, double peak) {
        return String.format(Locale.ROOT, "  = %.1f%% of FP32 peak", 100 * rate / peak);
    }

    static void row(String what, String value) {
        TABLE.add(new String[] {what, value});
        System.out.println(what + ": " + value);
    }
}
