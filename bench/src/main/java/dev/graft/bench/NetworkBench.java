package dev.graft.bench;

import dev.graft.Activation;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.spi.Backend;
import dev.graft.spi.DeviceBuffer;
import dev.graft.exec.Network;
import dev.graft.exec.Networks;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.StepStats;
import dev.graft.train.Loss;
import dev.graft.train.Optimizer;
import dev.graft.train.TrainingConfig;
import java.util.List;
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
 * The seed scenario's two hot paths through {@link Network}: the frozen 784-300-100 trunk's forward
 * pass over a batch (featurizing), and one training step of the trainable 100-50-5 top from cached
 * bottleneck features. Next to each, the same GEMMs alone through the same backend, so that the
 * overhead (copies, elementwise passes, JNI, allocation) is the difference of two numbers measured
 * in one run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 4, time = 250, timeUnit = TimeUnit.MILLISECONDS)
@Fork(1)
public class NetworkBench {

    static final int[] TRUNK = {784, 300, 100};
    static final int[] TOP = {100, 50, 5};

    @Param({"cpu", "cuda", "tf", "reference"})
    public String backend;

    @Param({"1", "2"})
    public int threads;

    @Param({"64", "256"})
    public int batch;

    private Backend engine;
    private Network trunk;
    private Network top;
    private float[] images;
    private float[] features;
    private float[] bottleneck;
    private float[] labels;
    private DeviceBuffer[] trunkBuffers;
    private DeviceBuffer[] topBuffers;

    @Setup(Level.Trial)
    public void setUp() {
        engine = BenchBackends.open(backend, threads);
        Model trunkModel = frozen(Model.builder(TRUNK[0], 11)
                .dense("hidden1", TRUNK[1], Activation.RELU)
                .dense("hidden2", TRUNK[2], Activation.RELU).build());
        Model topModel = Model.builder(TOP[0], 12)
                .dense("hidden3", TOP[1], Activation.RELU)
                .dense("output", TOP[2], Activation.SOFTMAX).build();
        TrainingConfig sgd = new TrainingConfig(Loss.SOFTMAX_CROSS_ENTROPY, Optimizer.sgd(0.01f), 0f, Map.of(), 1L);
        trunk = Networks.open(engine, NetworkPlan.inference(trunkModel, batch));
        top = Networks.open(engine, new NetworkPlan(topModel, sgd, batch));
        SplittableRandom rnd = new SplittableRandom(5);
        images = new float[batch * TRUNK[0]];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) rnd.nextDouble();
        }
        bottleneck = new float[batch * TRUNK[2]];
        trunk.predict(images, 0, batch, bottleneck, 0);
        features = bottleneck.clone();
        labels = new float[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = rnd.nextInt(TOP[2]);
        }
        trunkBuffers = gemmBuffers(TRUNK, false, rnd);
        topBuffers = gemmBuffers(TOP, true, rnd);
    }

    private static Model frozen(Model model) {
        List<Layer> layers = model.layers().stream().map(l -> (Layer) l.withTrainable(false)).toList();
        return new Model(layers);
    }

    /** Activations, weights (and for training, gradients) for running a stack's GEMMs alone. */
    private DeviceBuffer[] gemmBuffers(int[] widths, boolean training, SplittableRandom rnd) {
        DeviceBuffer[] buffers = new DeviceBuffer[training ? 8 : 5];
        buffers[0] = GemmBench.random(engine, (long) batch * widths[0], rnd);
        buffers[1] = GemmBench.random(engine, (long) widths[0] * widths[1], rnd);
        buffers[2] = GemmBench.random(engine, (long) batch * widths[1], rnd);
        buffers[3] = GemmBench.random(engine, (long) widths[1] * widths[2], rnd);
        buffers[4] = GemmBench.random(engine, (long) batch * widths[2], rnd);
        if (training) {
            buffers[5] = engine.allocate((long) widths[0] * widths[1]);
            buffers[6] = engine.allocate((long) widths[1] * widths[2]);
            buffers[7] = engine.allocate((long) batch * widths[1]);
        }
        return buffers;
    }

    /** Featurizing: the frozen trunk's forward pass, from host images to host bottleneck features. */
    @Benchmark
    public float[] frozenForward() {
        trunk.predict(images, 0, batch, bottleneck, 0);
        return bottleneck;
    }

    /** The trunk's two forward GEMMs alone, on device-resident buffers. */
    @Benchmark
    public void frozenForwardGemmsOnly() {
        DeviceBuffer[] t = trunkBuffers;
        engine.gemm(false, false, batch, TRUNK[1], TRUNK[0], 1f, t[0], t[1], 0f, t[2]);
        engine.gemm(false, false, batch, TRUNK[2], TRUNK[1], 1f, t[2], t[3], 0f, t[4]);
    }

    /** One SGD step of the 100-50-5 top on cached features (forward, loss, partial backprop, update). */
    @Benchmark
    public StepStats topTrainStep() {
        return top.trainStep(features, labels, batch);
    }

    /**
     * The five GEMMs that step runs, alone: two forward products, both weight gradients, and the
     * input gradient of the output layer only (nothing below the lowest trainable layer).
     */
    @Benchmark
    public void topTrainStepGemmsOnly() {
        DeviceBuffer[] t = topBuffers;
        engine.gemm(false, false, batch, TOP[1], TOP[0], 1f, t[0], t[1], 0f, t[2]);
        engine.gemm(false, false, batch, TOP[2], TOP[1], 1f, t[2], t[3], 0f, t[4]);
        engine.gemm(true, false, TOP[1], TOP[2], batch, 1f, t[2], t[4], 0f, t[6]);
        engine.gemm(false, true, batch, TOP[1], TOP[2], 1f, t[4], t[3], 0f, t[7]);
        engine.gemm(true, false, TOP[0], TOP[1], batch, 1f, t[0], t[7], 0f, t[5]);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (trunk != null) {
            trunk.close();
        }
        if (top != null) {
            top.close();
        }
        if (engine != null) {
            engine.close();
        }
    }

    /** Multiply-adds ×2 of the trunk's forward pass. */
    static double trunkFlops(int batch) {
        return 2.0 * batch * (TRUNK[0] * TRUNK[1] + TRUNK[1] * TRUNK[2]);
    }

    /** Multiply-adds ×2 of the top's five GEMMs per step. */
    static double topStepFlops(int batch) {
        return 2.0 * batch * (2 * (TOP[0] * TOP[1] + TOP[1] * TOP[2]) + TOP[1] * TOP[2]);
    }
}
