package dev.graft.bench;

import dev.graft.Model;
import dev.graft.loader.ModelFormat;
import dev.graft.loader.Models;
import dev.graft.spi.Backend;
import dev.graft.exec.Network;
import dev.graft.exec.Networks;
import dev.graft.exec.NetworkPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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
 * Model load: the seed network (784-300-100-50-5) read from a TensorFlow V2 checkpoint by the
 * loader (pure Java, the same on every backend), and then placed on the backend for inference,
 * which is what a user waits for before the first batch.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 300, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 4, time = 300, timeUnit = TimeUnit.MILLISECONDS)
@Fork(1)
public class ModelLoadBench {

    @Param({"cpu", "cuda", "tf", "reference"})
    public String backend;

    private Backend engine;
    private Path dir;
    private Path prefix;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        engine = BenchBackends.open(backend, 1);
        dir = Files.createTempDirectory("graft-load-bench");
        prefix = dir.resolve("model.ckpt");
        Models.save(BenchData.transferred(), prefix, ModelFormat.TF_CHECKPOINT);
    }

    @Benchmark
    public Model loadCheckpoint() throws IOException {
        return Models.load(prefix).model();
    }

    @Benchmark
    public Model loadAndPlace() throws IOException {
        Model m = Models.load(prefix).model();
        try (Network net = Networks.open(engine, NetworkPlan.inference(m, 256))) {
            return net.plan().model();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (engine != null) {
            engine.close();
        }
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }
}
