package dev.graft.bench;

import dev.graft.Model;
import dev.graft.data.Dataset;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import dev.graft.spi.Backend;
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
 * Featurizing with {@link CnnBench}'s frozen convolutional base (conv 32 → BN → ReLU → pool →
 * conv 64 → BN → ReLU → pool, BatchNorm in inference mode) over {@code samples} Fashion-MNIST
 * images, batch by batch: the work a cache fill does. Use {@code -p samples=256} for a quick look.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(1)
public class CnnFeaturizeBench {

    @Param({"cpu", "cuda", "tf"})
    public String backend;

    @Param({"1"})
    public int threads;

    @Param({"64", "256"})
    public int batch;

    @Param({"60000"})
    public int samples;

    private Backend engine;
    private Model base;
    private Dataset train;
    private float[] inputs;
    private float[] features;

    @Setup(Level.Trial)
    public void setUp() {
        engine = BenchBackends.open(backend, threads);
        train = BenchData.train(samples);
        System.out.println("\n[CnnFeaturizeBench] data: " + BenchData.describe() + ", first " + train.size());
        Model model = CnnBench.transferredCnn();
        base = model.slice(0, model.names().indexOf("pool2") + 1);
        inputs = train.features();
        features = new float[train.size() * base.outputWidth()];
    }

    /** The frozen base over every sample (a network placed once per call, as a featurizer does). */
    @Benchmark
    public float[] featurize() {
        try (Network net = Networks.open(engine, NetworkPlan.inference(base, batch))) {
            int width = train.width();
            for (int at = 0; at < train.size(); at += batch) {
                int rows = Math.min(batch, train.size() - at);
                net.predict(inputs, at * width, rows, features, at * base.outputWidth());
            }
        }
        return features;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (engine != null) {
            engine.close();
        }
    }
}
