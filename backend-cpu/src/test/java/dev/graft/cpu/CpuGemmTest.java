package dev.graft.cpu;

import static dev.graft.cpu.CpuTestSupport.assertClose;
import static dev.graft.cpu.CpuTestSupport.get;
import static dev.graft.cpu.CpuTestSupport.put;
import static dev.graft.cpu.CpuTestSupport.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.spi.DeviceBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** GEMM, copies and buffer ownership of the CPU backend, against double-precision loops. */
class CpuGemmTest {

    private final Backend backend = CpuTestSupport.open();

    @AfterEach
    void close() {
        backend.close();
    }

    @ParameterizedTest
    @CsvSource({
        "false,false,7,5,3,1.0,0.0", "true,false,7,5,3,1.0,0.0", "false,true,7,5,3,1.0,0.0", "true,true,7,5,3,1.0,0.0",
        "false,false,64,50,100,0.5,2.0", "true,false,100,50,64,1.0,1.0", "false,true,64,100,50,-1.5,0.25",
        "false,false,1,1,1,2.0,-1.0", "true,true,33,17,129,1.0,0.5"})
    void gemmMatchesDoubleLoop(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta) {
        SplittableRandom rnd = new SplittableRandom(m * 31L + n * 7L + k);
        float[] a = random(rnd, m * k);
        float[] b = random(rnd, k * n);
        float[] c = random(rnd, m * n);
        double[] expected = CpuTestSupport.gemmByHand(transA, transB, m, n, k, alpha, a, b, beta, c);
        DeviceBuffer cb = put(backend, c);
        backend.gemm(transA, transB, m, n, k, alpha, put(backend, a), put(backend, b), beta, cb);
        assertClose(expected, get(backend, cb, m * n), 1e-5 * Math.sqrt(k), "C");
    }

    @Test
    void betaZeroIgnoresNaNInC() {
        float[] c = new float[6];
        Arrays.fill(c, Float.NaN);
        DeviceBuffer cb = put(backend, c);
        backend.gemm(false, false, 2, 3, 2, 1f, put(backend, new float[] {1, 2, 3, 4}),
                put(backend, new float[] {1, 0, 1, 0, 1, 1}), 0f, cb);
        assertClose(new double[] {1, 2, 3, 3, 4, 7}, get(backend, cb, 6), 0, "C");
    }

    @Test
    void emptyInnerDimensionScalesC() {
        DeviceBuffer cb = put(backend, new float[] {1, Float.NaN, 3, 4});
        DeviceBuffer empty = backend.allocate(0);
        backend.gemm(false, false, 1, 4, 0, 1f, empty, empty, 0f, cb);
        assertClose(new double[] {0, 0, 0, 0}, get(backend, cb, 4), 0, "C after beta 0");
        DeviceBuffer cb2 = put(backend, new float[] {1, 2});
        backend.gemm(false, false, 1, 2, 0, 1f, empty, empty, 3f, cb2);
        assertClose(new double[] {3, 6}, get(backend, cb2, 2), 0, "C after beta 3");
    }

    @Test
    void gemmRejectsTooSmallBuffers() {
        DeviceBuffer small = backend.allocate(5);
        DeviceBuffer big = backend.allocate(100);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.gemm(false, false, 2, 3, 4, 1f, big, small, 0f, big));
        assertTrue(e.getMessage().contains("gemm B (4x3)"), e.getMessage());
    }

    @Test
    void copiesRoundTripWithOffsets() {
        DeviceBuffer a = backend.allocate(10);
        backend.upload(new float[] {9, 1, 2, 3}, 1, a, 4, 3);
        FloatBuffer src = FloatBuffer.wrap(new float[] {7, 8, 5, 6});
        src.position(2);
        backend.upload(src, a, 0);
        assertEquals(2, src.position(), "upload must not move the source position");
        DeviceBuffer b = backend.allocate(10);
        backend.copy(a, 0, b, 1, 7);
        float[] out = new float[12];
        backend.download(b, 0, out, 2, 10);
        assertClose(new double[] {0, 0, 0, 5, 6, 0, 0, 1, 2, 3, 0, 0}, out, 0, "b");
        assertThrows(IllegalArgumentException.class, () -> backend.copy(a, 5, b, 0, 6));
    }

    @Test
    void buffersBelongToTheirBackendAndAreFreedOnClose() {
        Backend other = new CpuBackendProvider().open(BackendOptions.defaults());
        DeviceBuffer foreign = other.allocate(4);
        DeviceBuffer mine = backend.allocate(4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.multiply(mine, foreign, 4));
        assertTrue(e.getMessage().contains("not allocated by this cpu backend"), e.getMessage());
        other.allocate(8);
        assertEquals(2, ((CpuBackend) other).openBuffers());
        foreign.close();
        foreign.close();
        assertEquals(1, ((CpuBackend) other).openBuffers());
        other.close();
        assertEquals(0, ((CpuBackend) other).openBuffers());
        assertThrows(IllegalStateException.class, () -> other.allocate(1));
        mine.close();
        assertFalse(((CpuBuffer) mine).isOpen());
        assertThrows(IllegalStateException.class, () -> backend.multiply(mine, mine, 4));
    }

    @Test
    void threadsComeFromOptions() {
        try (Backend two = new CpuBackendProvider().open(new BackendOptions(2, java.util.Map.of()))) {
            assertEquals(2, ((CpuBackend) two).threads());
            assertTrue(two.description().contains("2 threads"), two.description());
        }
        assertEquals(CpuBackendProvider.defaultThreads(), ((CpuBackend) backend).threads());
    }
}
