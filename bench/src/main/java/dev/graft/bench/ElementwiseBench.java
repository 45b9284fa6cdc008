package dev.graft.bench;

import dev.graft.Activation;
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
 * The fused bias + ReLU kernel at the trunk's widest activation (batch × 300) through a backend,
 * next to the obvious in-place row loop over heap arrays ({@code x[base + j] + b[j]}), which C2
 * on JDK 17 leaves scalar: tells whether a backend's elementwise kernels beat the naive loop.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 4, time = 250, timeUnit = TimeUnit.MILLISECONDS)
@Fork(1)
public class ElementwiseBench {

    @Param({"cpu", "cuda", "tf", "reference"})
    public String backend;

    @Param({"256"})
    public int batch;

    @Param({"300"})
    public int width;

    private Backend engine;
    private DeviceBuffer x;
    private DeviceBuffer bias;
    private float[] heapX;
    private float[] heapBias;

    @Setup(Level.Trial)
    public void setUp() {
        engine = BenchBackends.open(backend, 1);
        SplittableRandom rnd = new SplittableRandom(1);
        x = GemmBench.random(engine, (long) batch * width, rnd);
        bias = GemmBench.random(engine, width, rnd);
        heapX = new float[batch * width];
        heapBias = new float[width];
        engine.download(x, 0, heapX, 0, heapX.length);
        engine.download(bias, 0, heapBias, 0, width);
    }

    @Benchmark
    public void biasRelu() {
        engine.biasActivation(x, bias, batch, width, Activation.RELU);
    }

    @Benchmark
    public float[] heapBiasReluBaseline() {
        float[] v = heapX;
        float[] b = heapBias;
        for (int r = 0; r < batch; r++) {
            int base = r * width;
            for (int j = 0; j < width; j++) {
                v[base + j] = Math.max(0f, v[base + j] + b[j]);
            }
        }
        return v;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (engine != null) {
            engine.close();
        }
    }
}
