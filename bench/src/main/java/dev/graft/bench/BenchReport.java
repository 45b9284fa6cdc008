package dev.graft.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a {@link BenchRunner} run as JSON (for tools) and as the README's performance section
 * (markdown, with the machine, date, JDK, load average and thread counts it ran under).
 */
final class BenchReport {

    private BenchReport() {
    }

    static void write(Map<String, String> opts, List<BenchRunner.Row> rows, Map<String, String> skipped, double loadBefore,
                      String[] threads) {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cpu", cpuModel());
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("date", ZonedDateTime.now().toString());
        machine.put("loadAverageBefore", loadBefore);
        machine.put("loadAverageAfter", loadAverage());
        machine.put("threads", String.join(",", threads));
        Map<String, Double> peak = new LinkedHashMap<>();
        List<Map<String, Object>> results = new ArrayList<>();
        for (BenchRunner.Row r : rows) {
            if (r.method().equals("SgemmBench.sgemm") && r.p("shape").equals("1024x1024x1024")) {
                peak.put(r.p("threads"), BenchRunner.gflops(2.0 * (1 << 30), r.micros()));
            }
        }
        for (BenchRunner.Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("benchmark", r.method());
            m.put("params", r.params());
            m.put("medianMicros", r.micros());
            m.put("minMicros", r.min());
            double flops = BenchRunner.flops(r);
            if (flops > 0) {
                double g = BenchRunner.gflops(flops, r.micros());
                m.put("gflops", g);
                Double pk = peak.get(r.p("threads"));
                if (pk != null) {
                    m.put("fractionOfPeak", g / pk);
                }
            }
            results.add(m);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("machine", machine);
        root.put("sgemmPeakGflops", peak);
        root.put("skipped", skipped);
        root.put("results", results);
        Path json = Path.of(opts.getOrDefault("json", "bench/target/bench-results.json"));
        Path md = Path.of(opts.getOrDefault("results", "bench/target/RESULTS.md"));
        try {
            Files.createDirectories(json.toAbsolutePath().getParent());
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), root);
            Files.createDirectories(md.toAbsolutePath().getParent());
            Files.writeString(md, markdown(machine, peak, skipped, results));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + json + " / " + md, e);
        }
        System.out.println("wrote " + json + " and " + md);
    }

    @SuppressWarnings("unchecked")
    private static String markdown(Map<String, Object> machine, Map<String, Double> peak, Map<String, String> skipped,
                                   List<Map<String, Object>> results) {
        StringBuilder s = new StringBuilder("## Performance\n\n");
        s.append(String.format(Locale.ROOT, "Measured %s on %s (%s cores), %s, %s; load average %.2f before, %.2f after; "
                        + "threads %s. Medians; sgemm peak (raw `cblas_sgemm` 1024³): %s.%n%n",
                machine.get("date"), machine.get("cpu"), machine.get("cores"), machine.get("jdk"), machine.get("os"),
                machine.get("loadAverageBefore"), machine.get("loadAverageAfter"), machine.get("threads"), peakText(peak)));
        s.append("| benchmark | backend | threads | batch | shape/mode | median | GFLOP/s | of peak |\n|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> r : results) {
            Map<String, String> p = (Map<String, String>) r.get("params");
            double us = (Double) r.get("medianMicros");
            String shape = String.join(" ", nonEmpty(p.get("layer"), p.get("product"), p.get("mode"), p.get("shape")));
            s.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s |%n", r.get("benchmark"),
                    p.getOrDefault("backend", "cblas"), p.getOrDefault("threads", "1"), p.getOrDefault("batch", ""), shape,
                    us >= 10_000 ? String.format(Locale.ROOT, "%.1f ms", us / 1e3) : String.format(Locale.ROOT, "%.1f µs", us),
                    r.containsKey("gflops") ? String.format(Locale.ROOT, "%.1f", (Double) r.get("gflops")) : "",
                    r.containsKey("fractionOfPeak") ? String.format(Locale.ROOT, "%.0f%%", 100 * (Double) r.get("fractionOfPeak")) : ""));
        }
        for (Map.Entry<String, String> e : skipped.entrySet()) {
            s.append("\nSkipped backend `").append(e.getKey()).append("`: ").append(e.getValue()).append('\n');
        }
        return s.toString();
    }

    private static List<String> nonEmpty(String... xs) {
        List<String> out = new ArrayList<>();
        for (String x : xs) {
            if (x != null && !x.isEmpty()) {
                out.add(x);
            }
        }
        return out;
    }

    private static String peakText(Map<String, Double> peak) {
        List<String> parts = new ArrayList<>();
        peak.forEach((t, g) -> parts.add(String.format(Locale.ROOT, "%.0f GFLOP/s on %s thread(s)", g, t)));
        return parts.isEmpty() ? "not measured" : String.join(", ", parts);
    }

    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }
}
