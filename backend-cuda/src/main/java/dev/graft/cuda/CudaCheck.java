package dev.graft.cuda;

/**
 * The one place every native status goes through: success passes, anything else throws a
 * {@link CudaException} naming the status and the call (tinygrad's {@code check(status)} idea).
 */
public final class CudaCheck {

    private CudaCheck() {
    }

    /**
     * Throws unless {@code status} is 0 (success in all four libraries).
     *
     * @param api    which library returned it, since codes overlap between libraries
     * @param status the returned code
     * @param call   what was called, for the message, e.g. {@code "cublasSgemm_v2"}
     */
    public static void check(CudaStatus.Api api, int status, String call) {
        if (status != 0) {
            throw failure(api, status, call, "");
        }
    }

    /** Like {@link #check(CudaStatus.Api, int, String)}, adding {@code detail} (a compile log, memory sizes) to the message. */
    public static void check(CudaStatus.Api api, int status, String call, String detail) {
        if (status != 0) {
            throw failure(api, status, call, detail);
        }
    }

    /** The exception {@link #check} throws, for callers that need to add context first. */
    public static CudaException failure(CudaStatus.Api api, int status, String call, String detail) {
        String message = call + " failed: " + CudaStatus.name(api, status) + " (" + status + ")"
                + (detail == null || detail.isEmpty() ? "" : ": " + detail);
        return new CudaException(api, status, call, message);
    }
}
