package dev.graft.cuda;

/**
 * Launch geometry for the kernels, kept apart from the native calls so that it is unit-tested:
 * elementwise kernels use grid-stride loops, row kernels one block per row, and loss kernels at
 * most {@link #MAX_PARTIALS} blocks (one partial sum each, added on the host).
 */
final class CudaLaunch {

    /** Threads per block for elementwise kernels. */
    static final int THREADS = 256;
    /** Upper bound on blocks of a grid-stride kernel; more adds scheduling cost, not bandwidth. */
    static final int MAX_BLOCKS = 4096;
    /** Blocks (and so partial sums) of a loss kernel; sizes the reduction buffer. */
    static final int MAX_PARTIALS = 1024;

    private CudaLaunch() {
    }

    /** Blocks for a grid-stride loop over {@code n} elements. */
    static int gridFor(long n) {
        return (int) Math.max(1, Math.min(MAX_BLOCKS, (n + THREADS - 1) / THREADS));
    }

    /** Threads for a one-block-per-row kernel: the row's width rounded up to a warp multiple, 32..256. */
    static int rowThreads(int cols) {
        int warps = (cols + 31) / 32;
        return Math.min(256, Math.max(32, warps * 32));
    }

    /** Threads a two-stage column reduction aims to keep busy in its first stage. */
    static final int REDUCTION_THREADS = 1 << 16;
    /** Upper bound on row ranges of a column reduction, so that its second stage stays short. */
    static final int MAX_CHUNKS = 1024;

    /**
     * Row ranges for a two-stage column reduction of {@code rows × width}: enough that the first
     * stage has about {@link #REDUCTION_THREADS} threads (one per range and column), at most one
     * per row and at most {@link #MAX_CHUNKS}.
     */
    static int reductionChunks(long rows, long width) {
        long w = Math.max(1, width);
        long wanted = (REDUCTION_THREADS + w - 1) / w;
        return (int) Math.max(1, Math.min(Math.min(wanted, rows), MAX_CHUNKS));
    }

    /** Blocks for a one-block-per-row kernel, capped at {@code cap}. */
    static int rowBlocks(int rows, int cap) {
        return Math.max(1, Math.min(rows, cap));
    }

    /** Blocks for the squared-error kernel: grid-stride over {@code n}, at most {@link #MAX_PARTIALS}. */
    static int partialsFor(long n) {
        return (int) Math.max(1, Math.min(MAX_PARTIALS, (n + THREADS - 1) / THREADS));
    }

    /**
     * The NVRTC target for a device of compute capability {@code deviceArch} (e.g. 90): the device's
     * own {@code sm_XY} (a cubin, no driver JIT) when NVRTC supports it, else PTX for the newest
     * virtual architecture NVRTC knows below it, which the driver then compiles.
     *
     * @throws IllegalStateException when NVRTC supports nothing at or below the device
     */
    static String nvrtcTarget(int deviceArch, int[] supported) {
        int best = -1;
        for (int arch : supported) {
            if (arch == deviceArch) {
                return "sm_" + arch;
            }
            if (arch < deviceArch && arch > best) {
                best = arch;
            }
        }
        if (best < 0) {
            throw new IllegalStateException("NVRTC supports no architecture at or below sm_" + deviceArch
                    + " (it supports " + java.util.Arrays.toString(supported) + "): use an NVRTC that matches this GPU");
        }
        return "compute_" + best;
    }
}
