package dev.graft.bench;

import dev.graft.Model;
import dev.graft.cache.DiskCache;
import dev.graft.cache.FeatureSource;
import dev.graft.data.Dataset;
import dev.graft.spi.Backend;
import dev.graft.train.TrainingListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The second run's cache open: a {@link DiskCache} entry of 60,000 × 100 fp32 features, written in
 * setup, opened by a new {@code DiskCache} object with a new {@link Dataset} object, as a new
 * process would: the key, the header and the CRC32C of the payload are all recomputed. Two cases:
 * {@link #secondRunOpen} with data whose fingerprint comes from its source (what reading IDX files
 * gives: the file hash is taken while reading), and {@link #secondRunOpenHashingContent} with data
 * built from bare arrays, whose key hashes every input byte. The frozen forward pass must not run
 * (a miss would take ~0.5 s and is reported as a failure).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 8)
@Fork(1)
public class CacheOpenBench {

    @Param({"cpu", "cuda", "tf"})
    public String backend;

    private Backend engine;
    private Path dir;
    private Model prefix;
    private float[] features;
    private int[] labels;
    private Dataset fresh;
    private final boolean[] missed = {false};
    private final TrainingListener listener = new TrainingListener() {
        @Override
        public void onFeatures(FeaturesEvent event) {
            missed[0] |= !event.hit();
        }
    };

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        engine = BenchBackends.open(backend, 1);
        dir = Files.createTempDirectory("graft-cache-bench");
        Dataset train = BenchData.train();
        features = train.features();
        labels = train.labels();
        prefix = BenchData.transferred().slice(0, 2);
        DiskCache.open(dir).source(prefix, train, engine, listener);
        DiskCache.open(dir).source(prefix, train.withSourceFingerprint(SOURCE), engine, listener);
    }

    /** Stands for "these files, read with this preprocessing" in a real second run. */
    private static final String SOURCE = "fashion-mnist train, labels folded to 5 classes";

    @Setup(Level.Invocation)
    public void newDataset() {
        fresh = Dataset.wrapClassification(features, 784, labels, 5);
        missed[0] = false;
    }

    @Benchmark
    public FeatureSource secondRunOpen() {
        return open(fresh.withSourceFingerprint(SOURCE));
    }

    @Benchmark
    public FeatureSource secondRunOpenHashingContent() {
        return open(fresh);
    }

    private FeatureSource open(Dataset data) {
        FeatureSource source = DiskCache.open(dir).source(prefix, data, engine, listener);
        if (missed[0]) {
            throw new IllegalStateException("the cache missed: the benchmark would time featurizing, not opening");
        }
        return source;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (engine != null) {
            engine.close();
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }
}
