package dev.graft.bench;

import dev.graft.Activation;
import dev.graft.Model;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import dev.graft.spi.Backend;
import dev.graft.spi.DeviceBuffer;
import dev.graft.train.Loss;
import dev.graft.train.Optimizer;
import dev.graft.train.TrainingConfig;
import java.util.Arrays;
import java.util.Map;
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
 * One training step of a dense head on cached features (forward, softmax cross-entropy, backward,
 * SGD update), with the backend, the head's shape, the batch and the path as parameters: {@code fused}
 * is the backend's {@code FusedDenseHead} pass forced on ({@code cpu.fusedHead=on}), {@code layers} the
 * same network layer by layer over OpenBLAS ({@code cpu.fusedHead=off}), {@code gemms} only the GEMMs
 * such a step runs (forward, weight gradients, input gradients above the lowest layer) through
 * {@code Backend.gemm}, on resident buffers: the floor the issue-19 target is measured against. A
 * backend without the capability runs its layer-by-layer path under both {@code fused} and
 * {@code layers}. The warm-up is long because the Vector API code
 * is 20–400× slower until C2 has compiled it (smoke run: 42 ms, 2.2 ms, 0.68 ms, 0.13 ms per step over
 * the first warm-up seconds).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class FusedHeadBench {

    @Param({"cpu"})
    public String backend;

    /** Input width, then each layer's width; hidden layers ReLU, the top softmax. */
    @Param({"100-50-5", "300-100-5", "512-256-10"})
    public String shape;

    @Param({"64", "256"})
    public int batch;

    @Param({"fused", "layers", "gemms"})
    public String path;

    @Param({"1"})
    public int threads;

    private Backend engine;
    private Network head;
    private float[] features;
    private float[] labels;
    /** For {@code gemms}: per layer its input, kernel, output, kernel gradient and input gradient. */
    private DeviceBuffer[][] gemmBuffers;
    private int[] widths;

    @Setup(Level.Trial)
    public void setUp() {
        engine = BenchBackends.open(backend, threads, Map.of("cpu.fusedHead", path.equals("fused") ? "on" : "off"));
        widths = widths(shape);
        head = Networks.open(engine, new NetworkPlan(model(widths), sgd(), batch));
        if (path.equals("gemms")) {
            SplittableRandom r = new SplittableRandom(6);
            gemmBuffers = new DeviceBuffer[widths.length - 1][];
            for (int l = 0; l + 1 < widths.length; l++) {
                int k = widths[l];
                int n = widths[l + 1];
                gemmBuffers[l] = new DeviceBuffer[] {GemmBench.random(engine, (long) batch * k, r),
                        GemmBench.random(engine, (long) k * n, r), GemmBench.random(engine, (long) batch * n, r),
                        engine.allocate((long) k * n), engine.allocate((long) batch * k)};
            }
        }
        SplittableRandom rnd = new SplittableRandom(5);
        features = new float[batch * widths[0]];
        for (int i = 0; i < features.length; i++) {
            features[i] = (float) Math.max(0, rnd.nextDouble() * 2 - 1);
        }
        labels = new float[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = rnd.nextInt(widths[widths.length - 1]);
        }
    }

    static int[] widths(String shape) {
        return Arrays.stream(shape.split("-")).mapToInt(Integer::parseInt).toArray();
    }

    static Model model(int[] widths) {
        Model.Builder b = Model.builder(widths[0], 12);
        for (int i = 1; i < widths.length; i++) {
            b.dense("dense" + i, widths[i], i == widths.length - 1 ? Activation.SOFTMAX : Activation.RELU);
        }
        return b.build();
    }

    static TrainingConfig sgd() {
        return new TrainingConfig(Loss.SOFTMAX_CROSS_ENTROPY, Optimizer.sgd(0.01f), 0f, Map.of(), 1L);
    }

    @Benchmark
    public Object trainStep() {
        if (gemmBuffers != null) {
            gemms();
            return gemmBuffers;
        }
        return head.trainStep(features, labels, batch);
    }

    /** The step's GEMMs alone: forward per layer, then top-down the weight gradient and (above the lowest layer) the input gradient. */
    private void gemms() {
        int layers = widths.length - 1;
        for (int l = 0; l < layers; l++) {
            DeviceBuffer[] b = gemmBuffers[l];
            engine.gemm(false, false, batch, widths[l + 1], widths[l], 1f, b[0], b[1], 0f, b[2]);
        }
        for (int l = layers - 1; l >= 0; l--) {
            DeviceBuffer[] b = gemmBuffers[l];
            engine.gemm(true, false, widths[l], widths[l + 1], batch, 1f, b[0], b[2], 0f, b[3]);
            if (l > 0) {
                engine.gemm(false, true, batch, widths[l], widths[l + 1], 1f, b[2], b[1], 0f, b[4]);
            }
        }
    }

    /** Multiply-adds ×2 of one step without an input gradient: forward, weight gradients, and the gradients between layers. */
    static double stepFlops(int[] widths, int batch) {
        double macs = 0;
        for (int i = 1; i < widths.length; i++) {
            macs += 2.0 * widths[i - 1] * widths[i] + (i > 1 ? (double) widths[i - 1] * widths[i] : 0);
        }
        return 2 * macs * batch;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (gemmBuffers != null) {
            for (DeviceBuffer[] bs : gemmBuffers) {
                for (DeviceBuffer b : bs) {
                    b.close();
                }
            }
            gemmBuffers = null;
        }
        if (head != null) {
            head.close();
        }
        if (engine != null) {
            engine.close();
        }
    }
}
