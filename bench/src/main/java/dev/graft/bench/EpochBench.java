package dev.graft.bench;

import dev.graft.Model;
import dev.graft.cache.MemoryCache;
import dev.graft.data.Dataset;
import dev.graft.spi.Backend;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
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
 * One whole training epoch of the seed scenario through {@link Trainer} (60,000 samples,
 * 784-300-100 frozen, 100-50-5 trained, SGD 0.01): {@code cached} reads bottleneck features from a
 * {@link MemoryCache} filled in setup (so each epoch runs only the top), {@code uncached} runs the
 * frozen trunk on every batch. The reference backend is left out by default (minutes per epoch).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(1)
public class EpochBench {

    @Param({"cpu", "cuda", "tf"})
    public String backend;

    @Param({"1", "2"})
    public int threads;

    @Param({"64", "256"})
    public int batch;

    @Param({"cached", "uncached"})
    public String mode;

    private Backend engine;
    private Trainer trainer;
    private Model model;
    private Dataset train;

    @Setup(Level.Trial)
    public void setUp() {
        engine = BenchBackends.open(backend, threads);
        train = BenchData.train();
        System.out.println("\n[EpochBench] data: " + BenchData.describe());
        model = BenchData.transferred();
        trainer = oneEpochTrainer(engine, batch, mode, model, train);
    }

    /**
     * The trainer this and {@link CnnBench} time: one SGD 0.01 epoch of {@code batch}, seed 7; in
     * {@code cached} mode with a {@link MemoryCache} that this fills now, so every measured epoch is a hit.
     */
    static Trainer oneEpochTrainer(Backend engine, int batch, String mode, Model model, Dataset train) {
        Trainer.Builder b = Trainer.builder(engine).optimizer(Optimizer.sgd(0.01f)).epochs(1).batchSize(batch).seed(7);
        if (mode.equals("cached")) {
            b.cache(new MemoryCache());
        }
        Trainer trainer = b.build();
        if (mode.equals("cached")) {
            trainer.fit(model, train);
        }
        return trainer;
    }

    /** One epoch (a fresh network placed on the backend each time, as {@code Trainer.fit} does). */
    @Benchmark
    public Model epoch() {
        return trainer.fit(model, train).model();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (engine != null) {
            engine.close();
        }
    }
}
