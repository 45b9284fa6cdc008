package dev.graft.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The row-major to column-major operand swap, checked by running the computed cuBLAS arguments
 * through a literal column-major SGEMM (BLAS semantics) and comparing with a row-major triple loop.
 */
class CudaGemmCallTest {

    @ParameterizedTest
    @CsvSource({
        "false,false,3,4,5", "true,false,3,4,5", "false,true,3,4,5", "true,true,3,4,5",
        "false,false,1,7,2", "true,true,6,1,3", "false,true,4,4,1", "true,false,2,3,0"})
    void columnMajorCallComputesTheRowMajorProduct(boolean transA, boolean transB, int m, int n, int k) {
        SplittableRandom random = new SplittableRandom(m * 100 + n * 10 + k);
        float[] a = random(random, m * k);
        float[] b = random(random, k * n);
        float[] c0 = random(random, m * n);
        float alpha = 0.75f;
        float beta = k == 0 ? 0.5f : -0.25f;

        float[] expected = c0.clone();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[p * m + i] : a[i * k + p];
                    float bv = transB ? b[j * k + p] : b[p * n + j];
                    s += (double) av * bv;
                }
                expected[i * n + j] = (float) (alpha * s + beta * c0[i * n + j]);
            }
        }

        CudaGemmCall call = CudaGemmCall.rowMajor(transA, transB, m, n, k);
        assertEquals(n, call.rows());
        assertEquals(m, call.cols());
        float[] actual = c0.clone();
        columnMajorSgemm(call.transFirst(), call.transSecond(), call.rows(), call.cols(), call.depth(), alpha,
                b, call.ldFirst(), a, call.ldSecond(), beta, actual, call.ldc());
        assertArrayEquals(expected, actual, 1e-5f);
    }

    /** Reference BLAS sgemm: C(M×N) = alpha·op(X)·op(Y) + beta·C, column-major with leading dimensions. */
    private static void columnMajorSgemm(boolean transX, boolean transY, int rows, int cols, int depth, float alpha,
                                         float[] x, int ldx, float[] y, int ldy, float beta, float[] c, int ldc) {
        for (int j = 0; j < cols; j++) {
            for (int i = 0; i < rows; i++) {
                double s = 0;
                for (int p = 0; p < depth; p++) {
                    float xv = transX ? x[p + i * ldx] : x[i + p * ldx];
                    float yv = transY ? y[j + p * ldy] : y[p + j * ldy];
                    s += (double) xv * yv;
                }
                c[i + j * ldc] = (float) (alpha * s + beta * c[i + j * ldc]);
            }
        }
    }

    private static float[] random(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextDouble(-1, 1);
        }
        return v;
    }
}
