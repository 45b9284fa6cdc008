package dev.graft.cache;

import dev.graft.Activation;
import dev.graft.Backends;
import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.conformance.Conformance;
import dev.graft.data.Dataset;
import dev.graft.spi.Backend;
import dev.graft.train.EpochStats;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A plain timing run (not a test, not JMH; the {@code bench} module owns benchmarks): the seed's
 * shapes, frozen 784-300-100 and trainable 100-50-5, one epoch with and without the cache at batch 64
 * and 256, and the cost of opening a 60,000 × 100 fp32 disk entry (verify + map) and of the data
 * fingerprint. Usage: {@code CacheTiming [samples=60000] } on the backend {@link Backends} picks.
 */
public final class CacheTiming {

    private CacheTiming() {
    }

    public static void main(String[] args) throws Exception {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 60_000;
        SplittableRandom r = new SplittableRandom(1);
        float[] x = Conformance.random(r, samples * 784, 1);
        int[] labels = r.ints(samples, 0, 5).toArray();
        Dataset data = Dataset.classification(x, 784, labels, 5);
        Model base = Model.builder(784, 2).dense("hidden1", 300, Activation.RELU).dense("hidden2", 100, Activation.RELU)
                .dense("hidden3", 50, Activation.RELU).dense("output", 5, Activation.IDENTITY).build();
        Model model = Transfer.from(base).freezeThrough("hidden2").build();
        Path dir = Files.createTempDirectory("graft-cache-timing");
        try (Backend backend = Backends.open()) {
            System.out.printf("backend %s, %d samples, %d cores%n", backend, samples, Runtime.getRuntime().availableProcessors());
            // A new process pays the data fingerprint once per Dataset, with a cold JIT: time the first one.
            long t = System.nanoTime();
            data.fingerprint();
            System.out.printf("data fingerprint (SHA-256 of %d MB, first call): %.3f s%n", (long) x.length * 4 >> 20,
                    (System.nanoTime() - t) / 1e9);
            for (int batch : new int[] {64, 256}) {
                double plain = epochSeconds(backend, model, data, batch, null);
                epochSeconds(backend, model, data, batch, DiskCache.open(dir)); // featurizes (first time) or hits
                double cached = epochSeconds(backend, model, data, batch, DiskCache.open(dir));
                System.out.printf("batch %3d: uncached epoch %.3f s, cached epoch %.3f s, ratio %.1fx%n",
                        batch, plain, cached, plain / cached);
            }
            double[] opens = new double[5];
            Model prefix = model.slice(0, 2);
            for (int i = 0; i < opens.length; i++) {
                long s = System.nanoTime();
                DiskCache.open(dir).source(prefix, data, backend, new TrainingListener() { });
                opens[i] = (System.nanoTime() - s) / 1e9;
            }
            Arrays.sort(opens);
            System.out.printf("cache open (hit: key + verify + map) of %d x 100 fp32: median %.4f s%n", samples, opens[2]);
        }
        timeRawOpen(dir, 60_000, 100);
        DiskCache.open(dir).clear();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    private static double epochSeconds(Backend backend, Model model, Dataset data, int batch, BottleneckCache cache) {
        double[] seconds = new double[1];
        Trainer.Builder b = Trainer.builder(backend).optimizer(Optimizer.sgd(0.01f)).epochs(1).batchSize(batch).seed(1)
                .listener(new TrainingListener() {
                    @Override public void onEpochEnd(EpochStats stats) { seconds[0] = stats.seconds(); }
                });
        if (cache != null) {
            b.cache(cache);
        }
        b.build().fit(model, data);
        return seconds[0];
    }

    /** Writes a 60,000 × 100 fp32 entry directly and times verify + map, independent of any backend. */
    private static void timeRawOpen(Path dir, int rows, int cols) throws Exception {
        String key = "0f".repeat(32);
        Path file = dir.resolve(key + CacheFile.SUFFIX);
        CacheFile.Writer w = CacheFile.create(file, key, Storage.FP32, rows, cols);
        float[] chunk = Conformance.random(new SplittableRandom(3), 1000 * cols, 1);
        for (int i = 0; i < rows; i += 1000) {
            w.write(chunk, 0, 1000);
        }
        w.commit();
        double[] t = new double[7];
        for (int i = 0; i < t.length; i++) {
            long s = System.nanoTime();
            CacheFile.open(file, key, Storage.FP32, rows, cols);
            t[i] = (System.nanoTime() - s) / 1e9;
        }
        Arrays.sort(t);
        System.out.printf("raw open of %d x %d fp32 (%d MB, CRC32C verify + map, warm page cache): median %.4f s, min %.4f s%n",
                rows, cols, (long) rows * cols * 4 >> 20, t[3], t[0]);
    }
}
