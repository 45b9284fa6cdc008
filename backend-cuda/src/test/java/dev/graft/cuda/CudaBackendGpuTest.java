package dev.graft.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.conformance.Conformance;
import dev.graft.spi.BackendOptions;
import dev.graft.spi.DeviceBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the conformance suite does not reach: chunked staging, loss grids larger than the reduction
 * buffer, bad labels, ownership and close rules, out-of-memory messages, use from another thread,
 * TF32 opt-in. Needs a GPU: skipped with the probe's reason elsewhere (failed under
 * {@code -Dgraft.requireBackends=cuda}).
 */
class CudaBackendGpuTest {

    @RegisterExtension
    static final CudaGpuBackend GPU = new CudaGpuBackend();

    private static CudaBackend backend() {
        return GPU.backend();
    }

    @Test
    void transfersLargerThanAStagingSlotRoundTrip() {
        int n = 2 * CudaStaging.SLOT_FLOATS + 12345;
        float[] values = Conformance.random(new SplittableRandom(1), n, 10);
        try (DeviceBuffer a = backend().allocate(n + 7); DeviceBuffer b = backend().allocate(n + 7)) {
            backend().upload(values, 0, a, 7, n);
            backend().copy(a, 7, b, 0, n);
            float[] out = new float[n];
            backend().download(b, 0, out, 0, n);
            assertArrayEquals(values, out);
        }
    }

    @Test
    void lossSumsCoverMoreRowsThanPartialSlots() {
        int rows = 3 * CudaLaunch.MAX_PARTIALS + 17;
        int cols = 3;
        float[] logits = Conformance.random(new SplittableRandom(2), rows * cols, 3);
        float[] labels = new float[rows];
        double expected = 0;
        for (int r = 0; r < rows; r++) {
            labels[r] = r % cols;
            double max = Math.max(logits[r * cols], Math.max(logits[r * cols + 1], logits[r * cols + 2]));
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                sum += Math.exp(logits[r * cols + c] - max);
            }
            expected += Math.log(sum) + max - logits[r * cols + (int) labels[r]];
        }
        try (DeviceBuffer z = backend().allocate(rows * cols); DeviceBuffer y = backend().allocate(rows)) {
            backend().upload(logits, 0, z, 0, logits.length);
            backend().upload(labels, 0, y, 0, rows);
            double loss = backend().softmaxCrossEntropy(z, y, rows, cols, 1f, null);
            assertEquals(expected, loss, 1e-6 * rows);
            double mse = backend().meanSquaredError(z, z, rows, cols, 1f, null);
            assertEquals(0.0, mse, 0.0);
        }
    }

    @Test
    void badLabelNamesRowAndValue() {
        try (DeviceBuffer z = backend().allocate(12); DeviceBuffer y = backend().allocate(4)) {
            backend().upload(new float[] {0, 1, 2.5f, 1}, 0, y, 0, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> backend().softmaxCrossEntropy(z, y, 4, 3, 1f, null));
            assertTrue(e.getMessage().contains("2.5") && e.getMessage().contains("row 2"), e.getMessage());
        }
    }

    @Test
    void buffersAreOwnedAndClosedOnce() {
        int before = backend().liveBuffers();
        DeviceBuffer a = backend().allocate(100);
        assertEquals(before + 1, backend().liveBuffers());
        a.close();
        a.close();
        assertEquals(before, backend().liveBuffers());
        IllegalStateException used = assertThrows(IllegalStateException.class, () -> backend().upload(new float[1], 0, a, 0, 1));
        assertTrue(used.getMessage().contains("after close"), used.getMessage());

        CudaBackend other = (CudaBackend) new CudaBackendProvider().open(BackendOptions.defaults());
        try {
            DeviceBuffer foreign = other.allocate(4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backend().multiply(foreign, foreign, 4));
            assertTrue(e.getMessage().contains("not allocated by this CUDA backend"), e.getMessage());
            DeviceBuffer leaked = other.allocate(1000);
            assertEquals(2, other.liveBuffers());
            other.close();
            assertEquals(0, other.liveBuffers(), "close frees what the caller left open");
            leaked.close(); // after its backend: harmless, frees nothing twice
        } finally {
            other.close(); // closing twice is harmless too
        }
    }

    @Test
    void outOfMemorySaysHowMuchWasAskedAndIsFree() {
        long huge = 1L << 42; // 16 TiB of floats
        CudaException e = assertThrows(CudaException.class, () -> backend().allocate(huge));
        assertEquals("cudaErrorMemoryAllocation", e.statusName());
        assertTrue(e.getMessage().contains("free of") && e.getMessage().contains("MiB"), e.getMessage());
        try (DeviceBuffer ok = backend().allocate(16)) { // the backend still works afterwards
            assertEquals(16, ok.length());
        }
    }

    @Test
    void usableFromAnotherThread() throws Exception {
        AtomicReference<float[]> result = new AtomicReference<>();
        try (DeviceBuffer a = backend().allocate(4)) {
            backend().upload(new float[] {1, 2, 3, 4}, 0, a, 0, 4);
            Thread t = new Thread(() -> {
                backend().multiply(a, a, 4);
                float[] out = new float[4];
                backend().download(a, 0, out, 0, 4);
                result.set(out);
            });
            t.start();
            t.join();
            assertArrayEquals(new float[] {1, 4, 9, 16}, result.get());
        }
    }

    @Test
    void tf32IsOptInAndStillClose() {
        int m = 64, n = 48, k = 256;
        SplittableRandom random = new SplittableRandom(3);
        float[] a = Conformance.random(random, m * k, 1);
        float[] b = Conformance.random(random, k * n, 1);
        float[] expected = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) a[i * k + p] * b[p * n + j];
                }
                expected[i * n + j] = (float) s;
            }
        }
        try (CudaBackend tf32 = (CudaBackend) new CudaBackendProvider().open(new BackendOptions(0, Map.of(CudaBackend.TF32, "true")))) {
            assertTrue(tf32.description().contains("TF32"), tf32.description());
            DeviceBuffer da = tf32.allocate(m * k);
            DeviceBuffer db = tf32.allocate(k * n);
            DeviceBuffer dc = tf32.allocate(m * n);
            tf32.upload(a, 0, da, 0, a.length);
            tf32.upload(b, 0, db, 0, b.length);
            tf32.gemm(false, false, m, n, k, 1f, da, db, 0f, dc);
            float[] out = new float[m * n];
            tf32.download(dc, 0, out, 0, out.length);
            // TF32 keeps 10 mantissa bits: about 1e-3 relative per product.
            Conformance.assertClose("TF32 gemm", expected, out, 2e-2, 2e-2);
        }
    }
}
