package dev.graft.bench.race;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one peer's JVM measured, printed as one {@code RACE {...}} JSON line that {@code race.sh}
 * collects. Plain JDK only (the Deeplearning4j project compiles this file too). Time to first
 * result counts from {@code -Drace.launchMillis} (set by the script just before {@code java}
 * starts) to the first trained batch's loss.
 */
public final class RaceReport {

    private final Map<String, Object> values = new LinkedHashMap<>();
    private final List<Double> cachedEpochs = new ArrayList<>();
    private final List<Double> cachedEpochsCpu = new ArrayList<>();
    private final long launchMillis = Long.getLong("race.launchMillis", System.currentTimeMillis());
    private boolean firstSeen;

    public RaceReport(String peer, String config, int batch, int threads, int samples) {
        values.put("peer", peer);
        values.put("config", config);
        values.put("batch", batch);
        values.put("threads", threads);
        values.put("samples", samples);
    }

    public void put(String key, Object value) {
        values.put(key, value);
    }

    /** Milliseconds since {@code start} (a {@link System#nanoTime()}). */
    public static double millisSince(long start) {
        return (System.nanoTime() - start) / 1e6;
    }

    /** Call after every trained batch; the first call records the time to first result and prints the loss. */
    public void batchDone(double loss) {
        if (!firstSeen) {
            firstSeen = true;
            long ms = System.currentTimeMillis() - launchMillis;
            values.put("firstResultMs", ms);
            System.out.printf(Locale.ROOT, "first batch: loss %.4f after %d ms from launch%n", loss, ms);
        }
    }

    /**
     * One kind of epoch run {@code millis.size()} times (the seed race: {@code cached64},
     * {@code full64}, ...): JSON keys {@code <kind>EpochsMs} (every epoch, in order),
     * {@code <kind>EpochMs} (the minimum) and {@code <kind>Losses} (each epoch's mean training loss,
     * full precision, so that the peers' losses can be compared; NaN where a peer computes none).
     */
    public void epochs(String kind, List<Double> millis, List<Double> meanLosses) {
        values.put(kind + "EpochsMs", List.copyOf(millis));
        values.put(kind + "EpochMs", millis.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN));
        values.put(kind + "Losses", List.copyOf(meanLosses));
    }

    public void cachedEpoch(double millis) {
        cachedEpochs.add(millis);
    }

    /** A cached epoch's process CPU time (all threads), for the median like {@link #cachedEpoch}. */
    public void cachedEpochCpu(double millis) {
        cachedEpochsCpu.add(millis);
    }

    /**
     * CPU time of this whole process (every thread: a peer's own pools, GC, JIT) in nanoseconds, or
     * -1 where the JVM cannot tell. On a shared machine CPU time is steadier than wall time.
     */
    public static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** Milliseconds of process CPU time since {@code start} (a {@link #processCpuNanos()}). */
    public static double cpuMillisSince(long start) {
        return (processCpuNanos() - start) / 1e6;
    }

    /** Prints the JSON line: cached epoch time is the median of the epochs after the first. */
    public void print() {
        double[] warm = cachedEpochs.stream().skip(cachedEpochs.size() > 1 ? 1 : 0).mapToDouble(Double::doubleValue).sorted().toArray();
        if (warm.length > 0) {
            values.put("cachedEpochMs", warm[warm.length / 2]);
        }
        if (!cachedEpochs.isEmpty()) {
            values.put("cachedEpochsMs", cachedEpochs.toString());
        }
        double[] warmCpu = cachedEpochsCpu.stream().skip(cachedEpochsCpu.size() > 1 ? 1 : 0).mapToDouble(Double::doubleValue)
                .sorted().toArray();
        if (warmCpu.length > 0) {
            values.put("cachedEpochCpuMs", warmCpu[warmCpu.length / 2]);
        }
        values.put("peakRssMb", status("VmHWM:") / 1024.0);
        values.put("load1", loadAverage());
        StringBuilder json = new StringBuilder("{");
        for (Map.Entry<String, Object> e : values.entrySet()) {
            if (json.length() > 1) {
                json.append(',');
            }
            json.append('"').append(e.getKey()).append("\":");
            Object v = e.getValue();
            if (v instanceof List<?> list) {
                json.append(list.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(",", "[", "]")));
            } else if (v instanceof Number n) {
                json.append(v instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : n.toString());
            } else {
                json.append('"').append(String.valueOf(v).replace("\"", "'")).append('"');
            }
        }
        System.out.println("RACE " + json.append('}'));
    }

    private static long status(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Accuracy of {@code logits} (n × classes) against {@code labels}. */
    public static double accuracy(float[] logits, int[] labels, int n, int classes) {
        int correct = 0;
        for (int i = 0; i < n; i++) {
            if (RaceData.argmax(logits, i, classes) == labels[i]) {
                correct++;
            }
        }
        return (double) correct / n;
    }

}
