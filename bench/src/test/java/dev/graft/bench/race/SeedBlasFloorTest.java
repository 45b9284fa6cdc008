package dev.graft.bench.race;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The floor must time the products the peers compute, so its GEMM calls are checked against plain loops. */
class SeedBlasFloorTest {

    @ParameterizedTest(name = "transA={0} transB={1}")
    @CsvSource({"false,false", "true,false", "false,true"})
    void gemmComputesTheRowMajorProduct(boolean transA, boolean transB) {
        int m = 7;
        int cols = 5;
        int k = 9;
        SplittableRandom rnd = new SplittableRandom(4);
        float[] a = random(m * k, rnd); // stored k×m when transposed
        float[] b = random(k * cols, rnd); // stored cols×k when transposed
        float[] expected = new float[m * cols];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < cols; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += (double) (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * cols + j]);
                }
                expected[i * cols + j] = (float) sum;
            }
        }
        try (FloatPointer pa = new FloatPointer(a); FloatPointer pb = new FloatPointer(b); FloatPointer pc = new FloatPointer((long) m * cols)) {
            SeedBlasFloor.gemm(transA, transB, m, cols, k, pa, pb, pc);
            float[] c = new float[m * cols];
            pc.get(c);
            for (int i = 0; i < c.length; i++) {
                assertEquals(expected[i], c[i], 1e-5f, "element " + i);
            }
        }
    }

    private static float[] random(int n, SplittableRandom rnd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextDouble() - 0.5);
        }
        return x;
    }
}
