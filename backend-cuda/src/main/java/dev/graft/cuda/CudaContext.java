package dev.graft.cuda;

import static dev.graft.cuda.CudaCheck.check;

import dev.graft.cuda.CudaStatus.Api;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * The native state behind one {@link CudaBackend}: the device, a non-blocking stream, the cuBLAS
 * handle bound to it, the compiled kernels, pinned staging buffers, the loss-reduction buffers, the
 * GEMM scalars (allocated once, not per call) and the ledger of live device allocations.
 */
final class CudaContext implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(CudaContext.class.getName());
    /** Bytes of the reduction buffer: one double per loss block, then an int flag (bad label row + 1). */
    static final int REDUCTION_BYTES = 8 * CudaLaunch.MAX_PARTIALS + 8;
    static final long FLAG_OFFSET = 8L * CudaLaunch.MAX_PARTIALS;

    final int device;
    final String deviceName;
    final int arch;
    final CUstream_st stream = new CUstream_st();
    final cublasContext blas = new cublasContext();
    final CudaMemoryLedger ledger = new CudaMemoryLedger();
    final FloatPointer alpha = new FloatPointer(1);
    final FloatPointer beta = new FloatPointer(1);
    final CudaDevicePointer a = new CudaDevicePointer();
    final CudaDevicePointer b = new CudaDevicePointer();
    final CudaDevicePointer c = new CudaDevicePointer();
    CudaKernels kernels;
    CudaStaging staging;
    private long reductionDevice;
    private Pointer reductionHost;
    private ByteBuffer reductionView;
    private Thread boundThread;

    CudaContext(int device, boolean tf32) {
        this.device = device;
        int[] count = {0};
        check(Api.CUDART, cudart.cudaGetDeviceCount(count), "cudaGetDeviceCount");
        if (device < 0 || device >= count[0]) {
            throw new IllegalArgumentException("cuda.device=" + device + " but " + count[0] + " CUDA device(s) are visible");
        }
        check(Api.CUDART, cudart.cudaSetDevice(device), "cudaSetDevice(" + device + ")");
        check(Api.CUDART, cudart.cudaFree(null), "cudaFree(null) (creating the primary context)");
        boundThread = Thread.currentThread();
        try {
            int[] major = {0};
            int[] minor = {0};
            check(Api.CUDART, cudart.cudaDeviceGetAttribute(major, cudart.cudaDevAttrComputeCapabilityMajor, device), "cudaDeviceGetAttribute(major)");
            check(Api.CUDART, cudart.cudaDeviceGetAttribute(minor, cudart.cudaDevAttrComputeCapabilityMinor, device), "cudaDeviceGetAttribute(minor)");
            this.arch = major[0] * 10 + minor[0];
            this.deviceName = CudaProbe.deviceSummary(device);
            check(Api.CUDART, cudart.cudaStreamCreateWithFlags(stream, cudart.cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
            check(Api.CUBLAS, cublas.cublasCreate_v2(blas), "cublasCreate_v2");
            check(Api.CUBLAS, cublas.cublasSetStream_v2(blas, stream), "cublasSetStream_v2");
            check(Api.CUBLAS, cublas.cublasSetMathMode(blas, tf32 ? cublas.CUBLAS_TF32_TENSOR_OP_MATH : cublas.CUBLAS_DEFAULT_MATH),
                    "cublasSetMathMode(" + (tf32 ? "TF32" : "default") + ")");
            kernels = new CudaKernels(arch);
            staging = new CudaStaging(stream);
            reductionDevice = malloc(REDUCTION_BYTES);
            reductionHost = new Pointer();
            check(Api.CUDART, cudart.cudaMallocHost(reductionHost, REDUCTION_BYTES), "cudaMallocHost(" + REDUCTION_BYTES + " bytes)");
            reductionView = new BytePointer(reductionHost).capacity(REDUCTION_BYTES).limit(REDUCTION_BYTES)
                    .asByteBuffer().order(ByteOrder.nativeOrder());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Makes this device current when the backend is used from a thread other than the last one. */
    void bindThread() {
        Thread t = Thread.currentThread();
        if (t != boundThread) {
            check(Api.CUDART, cudart.cudaSetDevice(device), "cudaSetDevice(" + device + ")");
            boundThread = t;
        }
    }

    /** Allocates and zero-fills device memory recorded in the ledger; out of memory says how much was asked and is left. */
    long allocate(long bytes) {
        long address = malloc(Math.max(4, bytes));
        ledger.add(address, bytes);
        check(Api.CUDART, cudart.cudaMemsetAsync(a.at(address), 0, Math.max(4, bytes), stream), "cudaMemsetAsync(" + bytes + " bytes)");
        return address;
    }

    /** Frees an allocation unless the ledger says it is already gone (closed backend, second close). */
    void free(long address) {
        if (ledger.remove(address)) {
            check(Api.CUDART, cudart.cudaFree(a.at(address)), "cudaFree");
        }
    }

    private long malloc(long bytes) {
        Pointer p = new Pointer();
        int status = cudart.cudaMalloc(p, bytes);
        if (status == cudart.cudaErrorMemoryAllocation) {
            cudart.cudaGetLastError(); // not sticky, but clear it so later calls do not report it
            throw CudaCheck.failure(Api.CUDART, status, "cudaMalloc(" + bytes + " bytes)", "out of GPU memory: requested "
                    + mib(bytes) + ", " + memoryInfo() + "; this backend holds " + ledger.liveCount() + " buffers, "
                    + mib(ledger.liveBytes()));
        }
        check(Api.CUDART, status, "cudaMalloc(" + bytes + " bytes)");
        return p.address();
    }

    /** {@code "1234.5 MiB free of 81559.0 MiB on device 0"}. */
    String memoryInfo() {
        try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
            int status = cudart.cudaMemGetInfo(free, total);
            if (status != 0) {
                return "free memory unknown (" + CudaStatus.name(Api.CUDART, status) + ")";
            }
            return mib(free.get()) + " free of " + mib(total.get()) + " on device " + device;
        }
    }

    static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    long reductionAddress() {
        return reductionDevice;
    }

    /** Clears the bad-label flag (queued on the stream). */
    void clearFlag() {
        check(Api.CUDART, cudart.cudaMemsetAsync(a.at(reductionDevice + FLAG_OFFSET), 0, 4, stream), "cudaMemsetAsync(flag)");
    }

    /**
     * Waits for the loss kernel and returns the sum of its first {@code partials} block sums, added
     * in block order; the flag (row + 1 of a bad label, else 0) lands in {@code flagOut[0]}.
     */
    double readPartials(int partials, int[] flagOut) {
        check(Api.CUDART, cudart.cudaMemcpyAsync(reductionHost, a.at(reductionDevice), REDUCTION_BYTES,
                cudart.cudaMemcpyDeviceToHost, stream), "cudaMemcpyAsync(loss partials)");
        check(Api.CUDART, cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize (loss)");
        double sum = 0;
        for (int i = 0; i < partials; i++) {
            sum += reductionView.getDouble(8 * i);
        }
        if (flagOut != null) {
            flagOut[0] = reductionView.getInt((int) FLAG_OFFSET);
        }
        return sum;
    }

    void synchronize() {
        check(Api.CUDART, cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        try {
            if (!stream.isNull()) {
                cudart.cudaStreamSynchronize(stream);
            }
            int freed = ledger.closeAll(address -> check(Api.CUDART, cudart.cudaFree(a.at(address)), "cudaFree"));
            if (freed > 0) {
                LOG.log(System.Logger.Level.DEBUG, "freed " + freed + " CUDA buffers still open at close");
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        if (reductionDevice != 0) {
            cudart.cudaFree(a.at(reductionDevice));
            reductionDevice = 0;
        }
        if (reductionHost != null && !reductionHost.isNull()) {
            cudart.cudaFreeHost(reductionHost);
            reductionHost = null;
        }
        if (staging != null) {
            staging.close();
            staging = null;
        }
        if (kernels != null) {
            kernels.close();
            kernels = null;
        }
        if (!blas.isNull()) {
            cublas.cublasDestroy_v2(blas);
            blas.setNull();
        }
        if (!stream.isNull()) {
            cudart.cudaStreamDestroy(stream);
            stream.setNull();
        }
        alpha.close();
        beta.close();
        if (failure != null) {
            throw failure;
        }
    }
}
