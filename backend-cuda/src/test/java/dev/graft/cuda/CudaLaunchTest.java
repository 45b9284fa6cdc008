package dev.graft.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Launch geometry and the NVRTC target choice. */
class CudaLaunchTest {

    @Test
    void gridStrideGridsCoverSmallInputsAndCapLargeOnes() {
        assertEquals(1, CudaLaunch.gridFor(1));
        assertEquals(1, CudaLaunch.gridFor(256));
        assertEquals(2, CudaLaunch.gridFor(257));
        assertEquals(CudaLaunch.MAX_BLOCKS, CudaLaunch.gridFor(10L * Integer.MAX_VALUE));
    }

    @Test
    void rowThreadsAreWarpMultiplesBetween32And256() {
        assertEquals(32, CudaLaunch.rowThreads(1));
        assertEquals(32, CudaLaunch.rowThreads(5));
        assertEquals(64, CudaLaunch.rowThreads(33));
        assertEquals(256, CudaLaunch.rowThreads(1000));
        for (int cols = 1; cols < 2000; cols += 7) {
            int t = CudaLaunch.rowThreads(cols);
            assertTrue(t % 32 == 0 && t >= 32 && t <= 256, "cols " + cols + " -> " + t);
        }
    }

    @Test
    void lossKernelsNeverExceedTheReductionBuffer() {
        assertEquals(CudaLaunch.MAX_PARTIALS, CudaLaunch.rowBlocks(1_000_000, CudaLaunch.MAX_PARTIALS));
        assertEquals(3, CudaLaunch.rowBlocks(3, CudaLaunch.MAX_PARTIALS));
        assertEquals(CudaLaunch.MAX_PARTIALS, CudaLaunch.partialsFor(1L << 40));
        assertEquals(1, CudaLaunch.partialsFor(10));
    }

    @Test
    void nvrtcTargetPrefersTheDevicesOwnArchitecture() {
        int[] supported = {75, 80, 86, 89, 90, 100, 120};
        assertEquals("sm_90", CudaLaunch.nvrtcTarget(90, supported));
        assertEquals("sm_86", CudaLaunch.nvrtcTarget(86, supported));
        // A device newer than this NVRTC: PTX for the newest older virtual architecture, JIT-compiled by the driver.
        assertEquals("compute_120", CudaLaunch.nvrtcTarget(121, supported));
        assertEquals("compute_80", CudaLaunch.nvrtcTarget(82, supported));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CudaLaunch.nvrtcTarget(70, supported));
        assertTrue(e.getMessage().contains("sm_70"), e.getMessage());
    }

    @Test
    void nvrtcOptionsDisableContraction() {
        assertEquals("--gpu-architecture=sm_90", CudaKernels.options("sm_90")[0]);
        assertTrue(java.util.List.of(CudaKernels.options("sm_90")).contains("--fmad=false"));
    }

    @Test
    void reductionRangesKeepTheFirstStageBusyWithinTheirBounds() {
        assertEquals(1, CudaLaunch.reductionChunks(1, 3), "never more ranges than rows");
        assertEquals(70, CudaLaunch.reductionChunks(70, 3));
        assertEquals(CudaLaunch.MAX_CHUNKS, CudaLaunch.reductionChunks(1_000_000, 3), "capped, so the second stage stays short");
        assertEquals(8, CudaLaunch.reductionChunks(12, 9000), "wide: about REDUCTION_THREADS threads in all");
        assertEquals(1, CudaLaunch.reductionChunks(50, 1 << 20), "wider than REDUCTION_THREADS: one range");
    }
}
