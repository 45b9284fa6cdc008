package dev.graft.cuda;

/**
 * The column-major cuBLAS call that computes a row-major GEMM. A row-major {@code r × c} matrix is
 * the column-major {@code c × r} matrix with leading dimension {@code c}, so row-major
 * {@code C = op(A)·op(B)} is column-major {@code Cᵀ = op(B)ᵀ·op(A)ᵀ}: B goes first, A second, and
 * the dimensions {@code m, n} swap. Kept free of native calls so that the mapping is unit-tested.
 *
 * @param transFirst  whether cuBLAS transposes its first operand (our B)
 * @param transSecond whether cuBLAS transposes its second operand (our A)
 * @param rows        cuBLAS m (our n)
 * @param cols        cuBLAS n (our m)
 * @param depth       cuBLAS k (our k)
 * @param ldFirst     leading dimension of B as stored
 * @param ldSecond    leading dimension of A as stored
 * @param ldc         leading dimension of C (our n)
 */
record CudaGemmCall(boolean transFirst, boolean transSecond, int rows, int cols, int depth,
                    int ldFirst, int ldSecond, int ldc) {

    /** The call for row-major {@code C[m×n] = op(A)[m×k] · op(B)[k×n]} with the SPI's storage rules. */
    static CudaGemmCall rowMajor(boolean transA, boolean transB, int m, int n, int k) {
        // B stored k×n (ld n), or n×k when transposed (ld k); A stored m×k (ld k), or k×m (ld m).
        // cuBLAS wants every leading dimension >= 1 even when a dimension is 0.
        int ldb = Math.max(1, transB ? k : n);
        int lda = Math.max(1, transA ? m : k);
        return new CudaGemmCall(transB, transA, n, m, k, ldb, lda, Math.max(1, n));
    }
}
