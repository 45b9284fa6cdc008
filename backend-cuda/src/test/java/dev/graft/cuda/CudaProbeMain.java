package dev.graft.cuda;

/** Prints the CUDA probe's answer; gpu-check.sh runs it to show the bundle starts on its own runtime. */
public final class CudaProbeMain {
    private CudaProbeMain() {
    }

    public static void main(String[] args) {
        System.out.println("CUDA probe: " + new CudaBackendProvider().probe());
    }
}
