package dev.graft.bench;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.presets.openblas_nolapack;
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
 * The machine's own {@code cblas_sgemm}, called directly on off-heap memory (no Graft code): the
 * yardstick that every other benchmark is reported against. {@code shape} is {@code m x n x k}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 4, time = 250, timeUnit = TimeUnit.MILLISECONDS)
@Fork(1)
public class SgemmBench {

    @Param({"1", "2"})
    public int threads;

    /** {@code m x n x k}: the 1024³ peak, then the frozen trunk's two forward products at batch 64 and 256. */
    @Param({"1024x1024x1024", "256x300x784", "256x100x300", "64x300x784", "64x100x300"})
    public String shape;

    private int m;
    private int n;
    private int k;
    private FloatPointer a;
    private FloatPointer b;
    private FloatPointer c;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = shape.split("x");
        m = Integer.parseInt(parts[0]);
        n = Integer.parseInt(parts[1]);
        k = Integer.parseInt(parts[2]);
        openblas_nolapack.blas_set_num_threads(threads);
        SplittableRandom rnd = new SplittableRandom(3);
        a = filled((long) m * k, rnd);
        b = filled((long) k * n, rnd);
        c = new FloatPointer((long) m * n);
    }

    private static FloatPointer filled(long n, SplittableRandom rnd) {
        FloatPointer p = new FloatPointer(n);
        for (long i = 0; i < n; i++) {
            p.put(i, (float) (rnd.nextDouble() - 0.5));
        }
        return p;
    }

    @Benchmark
    public void sgemm() {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1f, a, k, b, n, 0f, c, n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
        b.close();
        c.close();
    }
}
