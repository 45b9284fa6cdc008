package dev.graft.bench;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.presets.openblas_nolapack;

/**
 * The two target ratios measured on a shared machine: each numerator and denominator are
 * timed in alternation (A B A B ...) inside one JVM, many short samples each, and compared by
 * their minimum and median. Sequential JMH runs on a 2-core machine that other processes also use
 * see the load change between benchmarks; alternating samples see the same load.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.graft.bench.PairedRatio [threads...] } (default 1 2).
 */
public final class PairedRatio {

    private static final int ROUNDS = 400;

    private PairedRatio() {
    }

    public static void main(String[] args) throws Exception {
        int[] threadCounts = args.length == 0 ? new int[] {1, 2} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        for (int threads : threadCounts) {
            NetworkBench net = new NetworkBench();
            net.backend = "cpu";
            net.threads = threads;
            net.batch = 256;
            net.setUp();
            Raw r1 = new Raw(256, 300, 784);
            Raw r2 = new Raw(256, 100, 300);
            Raw peak = new Raw(1024, 1024, 1024);
            openblas_nolapack.blas_set_num_threads(threads);
            double[][] fwd = alternate(net::frozenForward, () -> { r1.run(); r2.run(); }, net::frozenForwardGemmsOnly, false);
            double[] pk = alternate(peak::run, peak::run, peak::run, 40)[0];
            net.tearDown();

            NetworkBench top = new NetworkBench();
            top.backend = "cpu";
            top.threads = threads;
            top.batch = 64;
            top.setUp();
            double[][] step = alternate(top::topTrainStep, top::topTrainStepGemmsOnly, top::topTrainStepGemmsOnly, true);
            top.tearDown();

            System.out.printf(Locale.ROOT, "threads=%d  load=%s%n", threads, load());
            double peakGflops = 2.0 * 1024 * 1024 * 1024 / (min(pk) * 1e3);
            System.out.printf(Locale.ROOT, "  sgemm 1024^3            min %9.1f us  median %9.1f us  -> %.1f GFLOP/s (peak, from min)%n",
                    min(pk), median(pk), peakGflops);
            print("frozen forward b256 (Network.predict)", fwd[0], NetworkBench.trunkFlops(256), peakGflops);
            print("raw cblas_sgemm, same 2 GEMMs", fwd[1], NetworkBench.trunkFlops(256), peakGflops);
            print("backend.gemm, same 2 GEMMs", fwd[2], NetworkBench.trunkFlops(256), peakGflops);
            System.out.printf(Locale.ROOT, "  TARGET frozen forward / raw sgemm rate: %.0f%% by min, %.0f%% by median (>= 85%%)%n",
                    100 * min(fwd[1]) / min(fwd[0]), 100 * median(fwd[1]) / median(fwd[0]));
            print("top train step b64 (Network.trainStep)", step[0], NetworkBench.topStepFlops(64), peakGflops);
            print("its 5 GEMMs alone", step[1], NetworkBench.topStepFlops(64), peakGflops);
            System.out.printf(Locale.ROOT, "  TARGET train step / its GEMMs: %.2fx by min, %.2fx by median (<= 2x)%n",
                    min(step[0]) / min(step[1]), median(step[0]) / median(step[1]));
            r1.close();
            r2.close();
            peak.close();
        }
    }

    private static double[][] alternate(Runnable a, Runnable b, Runnable c, boolean small) {
        return alternate(a, b, c, small ? 10 * ROUNDS : ROUNDS);
    }

    /** Warms up, then times {@code rounds} single calls of each, rotating the order every round. */
    private static double[][] alternate(Runnable a, Runnable b, Runnable c, int rounds) {
        Runnable[] tasks = {a, b, c};
        long warmUntil = System.nanoTime() + 2_000_000_000L; // long enough for C2 to compile every kernel
        for (int i = 0; i < 20 || System.nanoTime() < warmUntil; i++) {
            for (Runnable t : tasks) {
                t.run();
            }
        }
        double[][] micros = new double[3][rounds];
        for (int i = 0; i < rounds; i++) {
            for (int j = 0; j < 3; j++) {
                int which = (i + j) % 3;
                long t0 = System.nanoTime();
                tasks[which].run();
                micros[which][i] = (System.nanoTime() - t0) / 1e3;
            }
        }
        return micros;
    }

    private static void print(String what, double[] us, double flops, double peak) {
        System.out.printf(Locale.ROOT, "  %-38s min %9.1f us  median %9.1f us  %6.1f GFLOP/s = %3.0f%% of peak (min)%n",
                what, min(us), median(us), flops / (min(us) * 1e3), 100 * flops / (min(us) * 1e3) / peak);
    }

    private static double min(double[] x) {
        return Arrays.stream(x).min().orElse(Double.NaN);
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    static String load() {
        try {
            return new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/loadavg"))).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    /** Raw cblas_sgemm on its own off-heap operands, no Graft code in between. */
    private static final class Raw implements AutoCloseable {
        final int m;
        final int n;
        final int k;
        final FloatPointer a;
        final FloatPointer b;
        final FloatPointer c;

        Raw(int m, int n, int k) {
            this.m = m;
            this.n = n;
            this.k = k;
            SplittableRandom rnd = new SplittableRandom(m + n + k);
            a = new FloatPointer((long) m * k);
            b = new FloatPointer((long) k * n);
            c = new FloatPointer((long) m * n);
            for (long i = 0; i < (long) m * k; i++) {
                a.put(i, (float) rnd.nextDouble());
            }
            for (long i = 0; i < (long) k * n; i++) {
                b.put(i, (float) rnd.nextDouble());
            }
        }

        void run() {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1f, a, k, b, n, 0f, c, n);
        }

        @Override
        public void close() {
            a.close();
            b.close();
            c.close();
        }
    }
}
