package dev.graft.cpu;

import dev.graft.spi.Availability;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * Loads OpenBLAS once and remembers whether that worked. Every reference to a JavaCPP/OpenBLAS
 * class that could fail to link is made from here, inside a try, so that a missing or
 * incompatible native library becomes a reason string instead of a {@link LinkageError} that
 * would poison later class loading.
 */
final class CpuNatives {

    private static final String PLATFORM = "linux-x86_64";

    /** OpenBLAS's thread count is process-wide; this is what it was last set to (0: untouched). */
    private static volatile int currentThreads;

    private CpuNatives() {
    }

    /** Whether OpenBLAS loaded, computed on first use and cached. */
    static Availability availability() {
        return Holder.AVAILABILITY;
    }

    /** Sets OpenBLAS's (global) thread count if it differs from the last value set from here. */
    static void useThreads(int threads) {
        if (threads != currentThreads) {
            synchronized (CpuNatives.class) {
                org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(threads);
                currentThreads = threads;
            }
        }
    }

    /** The OpenBLAS version string, e.g. {@code 0.3.31}. */
    static String version() {
        return openblas_nolapack.OPENBLAS_VERSION.trim().replace("OpenBLAS ", "");
    }

    private static final class Holder {
        static final Availability AVAILABILITY = load();
    }

    private static Availability load() {
        String platform;
        try {
            platform = Loader.getPlatform();
        } catch (LinkageError | RuntimeException e) {
            return Availability.no("JavaCPP is not usable here: " + e);
        }
        if (!PLATFORM.equals(platform)) {
            return Availability.no("OpenBLAS natives are bundled for " + PLATFORM + " only; this machine is "
                    + platform + " (add org.bytedeco:openblas:<version>:" + platform + " to the classpath)");
        }
        try {
            // Initialising the class loads OpenBLAS (its static initialiser calls Loader.load()) and
            // throws the same UnsatisfiedLinkError when that fails; an explicit Loader.load(class) on
            // top would walk JavaCPP's library lookup a second time (~3 ms of a cold start).
            Class.forName(openblas_nolapack.class.getName(), true, CpuNatives.class.getClassLoader());
            return Availability.yes("OpenBLAS " + version() + " on " + platform);
        } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
            return Availability.no(explain(e));
        }
    }

    private static String explain(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            text.append(t).append("; ");
        }
        String all = text.toString();
        if (all.contains("GLIBC")) {
            return "the OpenBLAS natives need glibc 2.34 or newer: " + all;
        }
        return "the OpenBLAS natives could not be loaded: " + all;
    }
}
