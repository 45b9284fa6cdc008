package dev.graft.cuda;

/**
 * A CUDA, cuBLAS or NVRTC call failed: carries the library, the status code, its name and the call,
 * so that a log line says what went wrong where without a debugger.
 */
public class CudaException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final CudaStatus.Api api;
    private final int status;
    private final String call;

    public CudaException(CudaStatus.Api api, int status, String call, String message) {
        super(message);
        this.api = api;
        this.status = status;
        this.call = call;
    }

    public CudaStatus.Api api() {
        return api;
    }

    public int status() {
        return status;
    }

    /** The status's name, e.g. {@code cudaErrorMemoryAllocation}. */
    public String statusName() {
        return CudaStatus.name(api, status);
    }

    /** The call that failed, e.g. {@code cudaMalloc(4096 bytes)}. */
    public String call() {
        return call;
    }
}
