package dev.graft.bench;

import dev.graft.Activation;
import dev.graft.BatchNorm;
import dev.graft.Conv2D;
import dev.graft.Model;
import dev.graft.Shape;
import dev.graft.Transfer;
import dev.graft.cache.MemoryCache;
import dev.graft.data.Dataset;
import dev.graft.spi.Backend;
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
 * The CNN of issue 14 on Fashion-MNIST ({@code conv 32 → BN → ReLU → pool → conv 64 → BN → ReLU →
 * pool → dense 128 → 5}, the convolutional base frozen; {@link CnnFeaturizeBench} times the base
 * alone): {@link #epoch} trains the head for one epoch, {@code cached} reading the base's output
 * (after the last pooling) from a {@link MemoryCache} filled in setup, {@code uncached} running the
 * base on every batch. Use {@code -p samples=256} for a quick look; the reference backend is left
 * out by default.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(1)
public class CnnBench {

    @Param({"cpu", "cuda", "tf"})
    public String backend;

    @Param({"1"})
    public int threads;

    @Param({"64"})
    public int batch;

    @Param({"60000"})
    public int samples;

    @Param({"cached", "uncached"})
    public String mode;

    private Backend engine;
    private Model model;
    private Dataset train;
    private Trainer trainer;

    /** The CNN with its convolutional base frozen through {@code pool2}, as surgery leaves it. */
    static Model transferredCnn() {
        Model m = Model.builder(Shape.of(28, 28, 1), 11)
                .add(Conv2D.spec("conv1", 32, 3, Activation.IDENTITY).withoutBias())
                .add(BatchNorm.spec("bn1"))
                .activation("relu1", Activation.RELU)
                .maxPool("pool1", 2)
                .add(Conv2D.spec("conv2", 64, 3, Activation.IDENTITY).withoutBias())
                .add(BatchNorm.spec("bn2"))
                .activation("relu2", Activation.RELU)
                .maxPool("pool2", 2)
                .flatten("flatten")
                .dense("fc", 128, Activation.RELU)
                .dense("output", 5, Activation.IDENTITY)
                .build();
        return Transfer.from(m).freezeThrough("pool2").build();
    }

    @Setup(Level.Trial)
    public void setUp() {
        engine = BenchBackends.open(backend, threads);
        train = BenchData.train(samples);
        System.out.println("\n[CnnBench] data: " + BenchData.describe() + ", first " + train.size());
        model = transferredCnn();
        trainer = EpochBench.oneEpochTrainer(engine, batch, mode, model, train);
    }

    /** One epoch of the head (a fresh network placed on the backend each time, as {@code Trainer.fit} does). */
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
