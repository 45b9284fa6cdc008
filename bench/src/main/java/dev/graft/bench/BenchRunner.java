package dev.graft.bench;

import dev.graft.spi.Availability;
import dev.graft.Backends;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.util.Statistics;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the benchmarks on every available backend for 1 and 2 threads, then prints each result as
 * GFLOP/s and as a fraction of the raw {@code cblas_sgemm} rate at 1024³ measured in the same run,
 * and the two target ratios. Unavailable backends are listed with their probe's reason.
 *
 * <p>Every call is timed on its own (JMH's sample mode) and the <em>median</em> is reported: on a
 * 2-core machine shared with other processes the mean mostly measures how often the benchmark
 * thread was descheduled, while the median of short calls does not.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.graft.bench.BenchRunner [--threads 1,2]
 * [--backends cpu,...] [--iterations 5] [--only Network|Gemm|Sgemm]}
 */
public final class BenchRunner {

    private BenchRunner() {
    }

    public static void main(String[] args) throws RunnerException {
        Map<String, String> opts = parse(args);
        String[] threads = opts.getOrDefault("threads", "1,2").split(",");
        int iterations = Integer.parseInt(opts.getOrDefault("iterations", "5"));
        List<String> backends = new ArrayList<>();
        for (Backends.Candidate c : BenchBackends.candidates()) {
            Availability a = c.availability();
            System.out.printf(Locale.ROOT, "backend %-10s priority %3d  %s: %s%n", c.name(), c.priority(),
                    a.available() ? "available" : "SKIPPED", a.reason());
            if (a.available()) {
                backends.add(c.name());
            } else {
                SKIPPED.put(c.name(), a.reason());
            }
        }
        if (opts.containsKey("backends")) {
            backends.retainAll(List.of(opts.get("backends").split(",")));
        }
        double load = BenchReport.loadAverage();
        List<RunResult> results = new ArrayList<>();
        String only = opts.getOrDefault("only", "GemmBench|NetworkBench|SgemmBench");
        if (!only.equals("none")) {
            ChainedOptionsBuilder builder = new OptionsBuilder()
                    .include("dev\\.graft\\.bench\\.(" + only + ")\\.")
                    .param("threads", threads)
                    .param("backend", backends.toArray(String[]::new))
                    .warmupIterations(3).warmupTime(TimeValue.milliseconds(200))
                    .measurementIterations(iterations).measurementTime(TimeValue.milliseconds(250))
                    .forks(1)
                    .mode(Mode.SampleTime)
                    .timeUnit(java.util.concurrent.TimeUnit.MICROSECONDS)
                    .shouldFailOnError(false);
            if (opts.containsKey("shapes")) {
                builder.param("shape", opts.get("shapes").split(","));
            }
            if (opts.containsKey("batches")) {
                builder.param("batch", opts.get("batches").split(","));
            }
            results.addAll(new Runner(builder.build()).run());
        }
        // Whole epochs, cache open and model load: one call per sample; the reference backend would take minutes per epoch.
        String macro = opts.getOrDefault("macro", "EpochBench|CacheOpenBench|ModelLoadBench");
        if (!macro.equals("none")) {
            List<String> macroBackends = new ArrayList<>(backends);
            if (!opts.getOrDefault("macroReference", "false").equals("true")) {
                macroBackends.remove("reference");
            }
            ChainedOptionsBuilder builder = new OptionsBuilder()
                    .include("dev\\.graft\\.bench\\.(" + macro + ")\\.")
                    .param("threads", threads)
                    .param("backend", macroBackends.toArray(String[]::new))
                    .forks(1)
                    .mode(Mode.SingleShotTime)
                    .warmupIterations(2).measurementIterations(Math.max(3, iterations))
                    .timeUnit(java.util.concurrent.TimeUnit.MICROSECONDS)
                    .shouldFailOnError(false);
            if (opts.containsKey("batches")) {
                builder.param("batch", opts.get("batches").split(","));
            }
            results.addAll(new Runner(builder.build()).run());
        }
        List<Row> rows = report(results);
        BenchReport.write(opts, rows, SKIPPED, load, threads);
    }

    /** Backends that were not benchmarked, with their probe's reason. */
    static final Map<String, String> SKIPPED = new java.util.TreeMap<>();

    private static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
            }
            opts.put(args[i].substring(2), args[i + 1]);
        }
        return opts;
    }

    /** Median and minimum microseconds per operation of one benchmark with its parameters. */
    record Row(String method, Map<String, String> params, double micros, double min) {
        String p(String name) {
            return params.getOrDefault(name, "");
        }
    }

    private static List<Row> report(Collection<RunResult> results) {
        List<Row> rows = new ArrayList<>();
        for (RunResult r : results) {
            String label = r.getParams().getBenchmark();
            Map<String, String> params = new HashMap<>();
            for (String key : r.getParams().getParamsKeys()) {
                params.put(key, r.getParams().getParam(key));
            }
            Statistics stats = r.getPrimaryResult().getStatistics();
            rows.add(new Row(label.substring(label.lastIndexOf('.', label.lastIndexOf('.') - 1) + 1), params,
                    stats.getPercentile(50), stats.getMin()));
        }
        Map<String, Double> peak = new HashMap<>();
        Map<String, Double> raw = new HashMap<>();
        for (Row row : rows) {
            if (row.method().startsWith("SgemmBench")) {
                raw.put(row.p("threads") + "/" + row.p("shape"), row.micros());
                if (row.p("shape").equals("1024x1024x1024")) {
                    peak.put(row.p("threads"), gflops(2.0 * 1024 * 1024 * 1024, row.micros()));
                }
            }
        }
        System.out.println();
        System.out.println("median us/op (min in brackets); GFLOP/s and 'of peak' from medians, peak = raw sgemm 1024^3, same threads");
        System.out.printf(Locale.ROOT, "%-36s %-9s %3s %5s %-14s %-10s %11s %10s %9s %8s%n",
                "benchmark", "backend", "thr", "batch", "layer/shape", "product", "us/op", "(min)", "GFLOP/s", "of peak");
        for (Row row : rows) {
            double flops = flops(row);
            double rate = gflops(flops, row.micros());
            Double pk = peak.get(row.p("threads"));
            System.out.printf(Locale.ROOT, "%-36s %-9s %3s %5s %-14s %-10s %11.1f %10s %9.1f %8s%n",
                    row.method(), row.p("backend"), row.p("threads"), row.p("batch"),
                    !row.p("layer").isEmpty() ? row.p("layer") : !row.p("mode").isEmpty() ? row.p("mode") : row.p("shape"),
                    row.p("product"), row.micros(),
                    String.format(Locale.ROOT, "(%.1f)", row.min()), rate,
                    pk == null || flops == 0 ? "" : String.format(Locale.ROOT, "%.0f%%", 100 * rate / pk));
        }
        System.out.println();
        for (Row row : rows) {
            if (row.method().equals("NetworkBench.frozenForward") && row.p("batch").equals("256")) {
                Double a = raw.get(row.p("threads") + "/256x300x784");
                Double b = raw.get(row.p("threads") + "/256x100x300");
                if (a != null && b != null) {
                    System.out.printf(Locale.ROOT, "TARGET frozen forward, batch 256, %s, %s thr: %.0f%% of raw sgemm at the same shapes"
                            + " (medians %.1f vs %.1f us; target >= 85%%)%n", row.p("backend"), row.p("threads"),
                            100 * (a + b) / row.micros(), row.micros(), a + b);
                }
            }
            if (row.method().equals("NetworkBench.topTrainStep")) {
                for (Row g : rows) {
                    if (g.method().equals("NetworkBench.topTrainStepGemmsOnly") && g.params().equals(row.params())) {
                        System.out.printf(Locale.ROOT, "TARGET top train step, batch %s, %s, %s thr: %.2fx its GEMMs alone"
                                + " (medians %.1f vs %.1f us; target <= 2x at batch 64)%n", row.p("batch"), row.p("backend"),
                                row.p("threads"), row.micros() / g.micros(), row.micros(), g.micros());
                    }
                }
            }
        }
        for (Map.Entry<String, String> e : SKIPPED.entrySet()) {
            System.out.printf(Locale.ROOT, "SKIPPED backend %s: %s%n", e.getKey(), e.getValue());
        }
        return rows;
    }

    static double gflops(double flops, double micros) {
        return flops / (micros * 1e3);
    }

    static double flops(Row row) {
        int batch = row.p("batch").isEmpty() ? 0 : Integer.parseInt(row.p("batch"));
        return switch (row.method()) {
            case "SgemmBench.sgemm" -> {
                String[] s = row.p("shape").split("x");
                yield 2.0 * Long.parseLong(s[0]) * Long.parseLong(s[1]) * Long.parseLong(s[2]);
            }
            case "GemmBench.gemm" -> {
                String[] s = row.p("layer").split("x");
                yield 2.0 * batch * Long.parseLong(s[0]) * Long.parseLong(s[1]);
            }
            case "NetworkBench.frozenForward", "NetworkBench.frozenForwardGemmsOnly" -> NetworkBench.trunkFlops(batch);
            case "NetworkBench.topTrainStep", "NetworkBench.topTrainStepGemmsOnly" -> NetworkBench.topStepFlops(batch);
            case "EpochBench.epoch" -> BenchData.SAMPLES * (NetworkBench.topStepFlops(batch) / batch
                    + (row.p("mode").equals("uncached") ? NetworkBench.trunkFlops(batch) / batch : 0));
            default -> 0;
        };
    }
}
