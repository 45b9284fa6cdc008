package dev.graft.bench;

import dev.graft.spi.Backend;
import dev.graft.spi.DeviceBuffer;
import java.util.SplittableRandom;
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
 * One {@link Backend#gemm} at the MLP's layer shapes: the forward product {@code X·W}, the weight
 * gradient {@code Xᵀ·G} and the input gradient {@code G·Wᵀ}, for a layer {@code in×out} and a batch
 * (the seed's head 100×50 and 50×5, the trunk 784×300 and 300×100, the all-trainable 500×300).
 * {@code gemmPlans=false} runs the CPU backend's GEMMs as one OpenBLAS call each instead of its
 * per-shape plans ({@code -Dgraft.cpu.gemmPlans}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 4, time = 250, timeUnit = TimeUnit.MILLISECONDS)
@Fork(1)
public class GemmBench {

    @Param({"cpu", "cuda", "tf", "reference"})
    public String backend;

    @Param({"1", "2"})
    public int threads;

    @Param({"64", "256"})
    public int batch;

    /** Layer {@code in x out}. */
    @Param({"784x300", "500x300", "300x100", "100x50", "50x5"})
    public String layer;

    /** The CPU backend's per-shape GEMM plans ({@code true}) or one OpenBLAS call per GEMM ({@code false}). */
    @Param({"true"})
    public String gemmPlans;

    @Param({"forward", "weightGrad", "inputGrad"})
    public String product;

    private Backend engine;
    private boolean transA;
    private boolean transB;
    private int m;
    private int n;
    private int k;
    private DeviceBuffer a;
    private DeviceBuffer b;
    private DeviceBuffer c;

    @Setup(Level.Trial)
    public void setUp() {
        System.setProperty("graft.cpu.gemmPlans", gemmPlans);
        engine = BenchBackends.open(backend, threads);
        String[] parts = layer.split("x");
        int in = Integer.parseInt(parts[0]);
        int out = Integer.parseInt(parts[1]);
        SplittableRandom rnd = new SplittableRandom(7);
        switch (product) {
            case "forward" -> { m = batch; n = out; k = in; }              // X[b,in] · W[in,out]
            case "weightGrad" -> { transA = true; m = in; n = out; k = batch; } // X[b,in]ᵀ · G[b,out]
            case "inputGrad" -> { transB = true; m = batch; n = in; k = out; }  // G[b,out] · W[in,out]ᵀ
            default -> throw new IllegalArgumentException("product " + product);
        }
        a = random(engine, (long) m * k, rnd);
        b = random(engine, (long) k * n, rnd);
        c = engine.allocate((long) m * n);
    }

    @Benchmark
    public void gemm() {
        engine.gemm(transA, transB, m, n, k, 1f, a, b, 0f, c);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (engine != null) {
            engine.close();
        }
    }

    static DeviceBuffer random(Backend engine, long length, SplittableRandom rnd) {
        float[] values = new float[(int) length];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (rnd.nextDouble() - 0.5);
        }
        DeviceBuffer buffer = engine.allocate(length);
        engine.upload(values, 0, buffer, 0, values.length);
        return buffer;
    }
}
