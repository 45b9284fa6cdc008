package dev.graft.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.cuda.CudaStatus.Api;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.nvrtc;
import org.junit.jupiter.api.Test;

/**
 * The status-name table against the bindings' own constants. The constants are compile-time
 * constants inlined by javac, so this runs without loading any CUDA native library.
 */
class CudaStatusTest {

    @Test
    void namesMatchTheBindingConstants() {
        assertEquals("cudaSuccess", CudaStatus.name(Api.CUDART, cudart.cudaSuccess));
        assertEquals("cudaErrorMemoryAllocation", CudaStatus.name(Api.CUDART, cudart.cudaErrorMemoryAllocation));
        assertEquals("cudaErrorInsufficientDriver", CudaStatus.name(Api.CUDART, cudart.cudaErrorInsufficientDriver));
        assertEquals("cudaErrorNoDevice", CudaStatus.name(Api.CUDART, cudart.cudaErrorNoDevice));
        assertEquals("CUDA_ERROR_OUT_OF_MEMORY", CudaStatus.name(Api.DRIVER, cudart.CUDA_ERROR_OUT_OF_MEMORY));
        assertEquals("CUDA_ERROR_INVALID_PTX", CudaStatus.name(Api.DRIVER, cudart.CUDA_ERROR_INVALID_PTX));
        assertEquals("CUDA_ERROR_LAUNCH_FAILED", CudaStatus.name(Api.DRIVER, cudart.CUDA_ERROR_LAUNCH_FAILED));
        assertEquals("CUBLAS_STATUS_NOT_INITIALIZED", CudaStatus.name(Api.CUBLAS, cublas.CUBLAS_STATUS_NOT_INITIALIZED));
        assertEquals("CUBLAS_STATUS_EXECUTION_FAILED", CudaStatus.name(Api.CUBLAS, cublas.CUBLAS_STATUS_EXECUTION_FAILED));
        assertEquals("CUBLAS_STATUS_INVALID_VALUE", CudaStatus.name(Api.CUBLAS, cublas.CUBLAS_STATUS_INVALID_VALUE));
        assertEquals("NVRTC_ERROR_COMPILATION", CudaStatus.name(Api.NVRTC, nvrtc.NVRTC_ERROR_COMPILATION));
        assertEquals("NVRTC_ERROR_INVALID_OPTION", CudaStatus.name(Api.NVRTC, nvrtc.NVRTC_ERROR_INVALID_OPTION));
    }

    @Test
    void sameCodeMeansDifferentThingsPerLibrary() {
        // 3 is an initialisation error in the runtime and an allocation failure in cuBLAS.
        assertEquals("cudaErrorInitializationError", CudaStatus.name(Api.CUDART, 3));
        assertEquals("CUBLAS_STATUS_ALLOC_FAILED", CudaStatus.name(Api.CUBLAS, 3));
        assertEquals("NVRTC_ERROR_INVALID_INPUT", CudaStatus.name(Api.NVRTC, 3));
        assertEquals("CUDA_ERROR_NOT_INITIALIZED", CudaStatus.name(Api.DRIVER, 3));
    }

    @Test
    void unknownCodesStillNameLibraryAndNumber() {
        assertFalse(CudaStatus.known(Api.CUBLAS, 12345));
        assertEquals("UNKNOWN_CUBLAS_STATUS_12345", CudaStatus.name(Api.CUBLAS, 12345));
        assertTrue(CudaStatus.known(Api.NVRTC, 0));
    }

    @Test
    void checkThrowsWithNameCodeAndCall() {
        CudaException e = assertThrows(CudaException.class,
                () -> CudaCheck.check(Api.CUDART, cudart.cudaErrorMemoryAllocation, "cudaMalloc(4096 bytes)"));
        assertEquals("cudaMalloc(4096 bytes) failed: cudaErrorMemoryAllocation (2)", e.getMessage());
        assertEquals("cudaErrorMemoryAllocation", e.statusName());
        assertEquals("cudaMalloc(4096 bytes)", e.call());
        assertEquals(Api.CUDART, e.api());

        CudaException withLog = assertThrows(CudaException.class,
                () -> CudaCheck.check(Api.NVRTC, nvrtc.NVRTC_ERROR_COMPILATION, "nvrtcCompileProgram(x.cu)", "x.cu(3): error: expected a ;"));
        assertTrue(withLog.getMessage().endsWith("NVRTC_ERROR_COMPILATION (6): x.cu(3): error: expected a ;"), withLog.getMessage());

        CudaCheck.check(Api.CUBLAS, cublas.CUBLAS_STATUS_SUCCESS, "cublasSgemm_v2"); // success passes silently
    }
}
