package dev.graft.cpu;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Not a test: a paired, interleaved timing of GEMM plans against one call, in one JVM, at the shapes
 * of the seed's head, the featurize trunk and the all-trainable network; where {@link CpuGemmPlan}'s
 * rule comes from. Each round runs every candidate {@code reps} times in turn (rotating the start),
 * so load changes hit all candidates alike; it prints min and median µs per call and the ratios to
 * the single 1-thread call, with the load average before and after.
 *
 * <pre>
 * mvn -B -q -o -pl backend-cpu -am test-compile
 * R=~/.m2/repository/org/bytedeco
 * java -cp api/target/classes:backend-cpu/target/classes:backend-cpu/target/test-classes:$R/javacpp/1.5.13/javacpp-1.5.13.jar:$R/javacpp/1.5.13/javacpp-1.5.13-linux-x86_64.jar:$R/openblas/0.3.31-1.5.13/openblas-0.3.31-1.5.13.jar:$R/openblas/0.3.31-1.5.13/openblas-0.3.31-1.5.13-linux-x86_64.jar \
 *     dev.graft.cpu.CpuGemmPlanPaired [rounds] [shape filter] [serial|parallel|java|all]
 * </pre>
 * {@code serial}: 1-thread decompositions; {@code parallel}: plans shared with a worker and one call on
 * 2 OpenBLAS threads; {@code java}: the shared plans only.
 */
public final class CpuGemmPlanPaired {

    /** Which candidates: {@code serial} (1 thread), {@code parallel} (1-thread call against 2-thread plans) or {@code all}. */
    static String kinds = "all";

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        String filter = args.length > 1 ? args[1] : "";
        kinds = args.length > 2 ? args[2] : "all";
        CpuNatives.availability();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (int batch : new int[] {64, 256}) {
            dense(shapes, batch, 100, 50);
            dense(shapes, batch, 50, 5);
        }
        shapes.put("featurize b256 784->300 fwd", new int[] {0, 0, 256, 300, 784});
        shapes.put("featurize b256 300->100 fwd", new int[] {0, 0, 256, 100, 300});
        dense(shapes, 64, 500, 300);
        dense(shapes, 64, 300, 100);
        // where the rule's bounds come from: forward products around OpenBLAS's small-matrix limits,
        // and weight gradients over longer batches
        for (int[] f : new int[][] {{256, 100, 100}, {256, 50, 200}, {512, 50, 100}, {256, 150, 100},
                {256, 50, 300}, {256, 200, 100}, {128, 100, 100}, {128, 300, 100}}) {
            shapes.put("sweep fwd " + f[0] + "x" + f[2] + "x" + f[1], new int[] {0, 0, f[0], f[1], f[2]});
        }
        for (int[] w : new int[][] {{100, 50, 512}, {300, 100, 256}, {500, 300, 256}, {784, 300, 256}, {50, 5, 1024},
                {100, 50, 192}}) {
            shapes.put("sweep dW " + w[0] + "x" + w[1] + " over " + w[2], new int[] {1, 0, w[0], w[1], w[2]});
        }
        System.out.println("load before: " + load());
        try (CpuGemm gemm = new CpuGemm(2)) {
            for (Map.Entry<String, int[]> s : shapes.entrySet()) {
                if (s.getKey().contains(filter)) {
                    measure(gemm, s.getKey(), s.getValue(), rounds);
                }
            }
        }
        System.out.println("load after: " + load());
    }

    private static void dense(Map<String, int[]> shapes, int batch, int in, int out) {
        String name = "b" + batch + " " + in + "->" + out;
        shapes.put(name + " fwd", new int[] {0, 0, batch, out, in});
        shapes.put(name + " dW", new int[] {1, 0, in, out, batch});
        shapes.put(name + " dX", new int[] {0, 1, batch, in, out});
    }

    static List<CpuGemmPlan> candidates(boolean transA, boolean transB, int m, int n, int k) {
        List<CpuGemmPlan> c = new ArrayList<>();
        c.add(CpuGemmPlan.whole(1, "1 thread"));
        int max = Integer.MAX_VALUE;
        if (!kinds.equals("serial")) {
            if (!kinds.equals("java")) {
                c.add(CpuGemmPlan.whole(2, "2 OpenBLAS threads"));
            }
            parallel(c, m, n, k);
        }
        if (kinds.equals("parallel") || kinds.equals("java")) {
            return c;
        }
        for (int r : new int[] {16, 32, 64, 128}) {
            if (r < m) {
                c.add(new CpuGemmPlan(r, max, max, false, 1, "rows " + r));
            }
        }
        for (int col : new int[] {16, 32, (n + 1) / 2}) {
            if (col < n && col >= 8) {
                c.add(new CpuGemmPlan(max, col, max, false, 1, "cols " + col));
            }
        }
        for (int d : new int[] {32, 64, 128}) {
            if (d < k) {
                c.add(new CpuGemmPlan(max, max, d, false, 1, "depth " + d));
            }
        }
        return c;
    }

    private static void parallel(List<CpuGemmPlan> c, int m, int n, int k) {
        int max = Integer.MAX_VALUE;
        if (m > 1) {
            c.add(new CpuGemmPlan((m + 1) / 2, max, max, true, 1, "2 parts by rows"));
        }
        if (m > 128) {
            c.add(new CpuGemmPlan(64, max, max, true, 1, "2 parts, rows 64"));
        }
        if (m >= 64) {
            c.add(new CpuGemmPlan(32, max, max, true, 1, "2 parts, rows 32"));
        }
        if (k > 128) {
            c.add(new CpuGemmPlan((m + 1) / 2, max, 128, true, 1, "2 parts by rows, depth 128"));
        }
        if (n > 1) {
            c.add(new CpuGemmPlan(max, (n + 1) / 2, max, true, 1, "2 parts by cols"));
        }
        if (k > 64) {
            c.add(new CpuGemmPlan((m + 1) / 2, max, 64, true, 1, "2 parts by rows, depth 64"));
            c.add(new CpuGemmPlan(max, (n + 1) / 2, 64, true, 1, "2 parts by cols, depth 64"));
        }
    }

    private static void measure(CpuGemm gemm, String name, int[] s, int rounds) {
        boolean ta = s[0] == 1;
        boolean tb = s[1] == 1;
        int m = s[2];
        int n = s[3];
        int k = s[4];
        SplittableRandom rnd = new SplittableRandom(1);
        FloatPointer a = random(rnd, (long) m * k);
        FloatPointer b = random(rnd, (long) k * n);
        FloatPointer c = new FloatPointer((long) m * n);
        List<CpuGemmPlan> plans = candidates(ta, tb, m, n, k);
        double flop = 2.0 * m * n * k;
        int reps = (int) Math.max(2, Math.min(200, 2e6 / flop * 10));
        double[][] us = new double[plans.size()][rounds];
        // warm-up
        for (int w = 0; w < 3; w++) {
            for (CpuGemmPlan p : plans) {
                for (int r = 0; r < reps; r++) {
                    gemm.run(p, ta, tb, m, n, k, 1f, a, b, 0f, c);
                }
            }
        }
        String loadBefore = load();
        for (int round = 0; round < rounds; round++) {
            for (int q = 0; q < plans.size(); q++) {
                int i = (q + round) % plans.size();
                CpuGemmPlan p = plans.get(i);
                long t0 = System.nanoTime();
                for (int r = 0; r < reps; r++) {
                    gemm.run(p, ta, tb, m, n, k, 1f, a, b, 0f, c);
                }
                us[i][round] = (System.nanoTime() - t0) / 1e3 / reps;
            }
        }
        System.out.printf(Locale.ROOT, "%n== %s: %s (%.1f MFLOP, %d reps x %d rounds, load %s -> %s)%n", name,
                CpuGemm.shape(ta, tb, m, n, k), flop / 1e6, reps, rounds, loadBefore, load());
        double baseMin = min(us[0]);
        double baseMed = median(us[0]);
        for (int i = 0; i < plans.size(); i++) {
            double mn = min(us[i]);
            double md = median(us[i]);
            System.out.printf(Locale.ROOT, "  %-28s min %8.2f  med %8.2f us  min/whole1 %.2f  med/whole1 %.2f  %5.1f GFLOP/s%n",
                    plans.get(i).reason(), mn, md, mn / baseMin, md / baseMed, flop / mn / 1e3);
        }
        a.close();
        b.close();
        c.close();
    }

    private static FloatPointer random(SplittableRandom rnd, long n) {
        float[] x = new float[(int) n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextDouble() - 0.5);
        }
        return new FloatPointer(x);
    }

    static double min(double[] x) {
        return Arrays.stream(x).min().orElse(Double.NaN);
    }

    static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "?";
        }
    }
}
