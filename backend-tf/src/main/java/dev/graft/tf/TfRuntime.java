package dev.graft.tf;

import dev.graft.spi.Availability;
import dev.graft.spi.BackendOptions;
import dev.graft.spi.BackendUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.ConfigProto;

/**
 * Loads libtensorflow once per JVM and remembers the outcome. The load happens in the nested
 * holder's initialiser, so touching this class (for the cheap checks) loads nothing native, and a
 * failed load is cached as an answer instead of surfacing later as {@code NoClassDefFoundError}.
 */
final class TfRuntime {

    /** {@code -Dgraft.tf.interOpThreads}: TF's inter-op pool; default 1 when {@code graft.threads} is set. */
    static final String INTER_OP_PROPERTY = "tf.interOpThreads";

    /** Environment variable TF's C++ logging reads once, when it first logs. */
    static final String LOG_LEVEL_ENV = "TF_CPP_MIN_LOG_LEVEL";

    private static final System.Logger LOG = System.getLogger(TfRuntime.class.getName());

    private TfRuntime() {
    }

    /**
     * Cheap checks only: the TF classes and this platform's native library are on the class path
     * and the CPU has AVX (TF's Linux build needs it). Says nothing about whether the library links.
     */
    static Availability quickCheck() {
        try {
            Class.forName("org.tensorflow.TensorFlow", false, TfRuntime.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return Availability.no("tensorflow-core-api is not on the class path");
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return Availability.no("graft-backend-tf ships libtensorflow for linux-x86_64 only; this is " + os + "/" + arch
                    + " (add tensorflow-core-native with this platform's classifier)");
        }
        String lib = "org/tensorflow/internal/c_api/linux-x86_64/libjnitensorflow.so";
        if (TfRuntime.class.getClassLoader().getResource(lib) == null) {
            return Availability.no("libtensorflow for linux-x86_64 is not on the class path "
                    + "(add org.tensorflow:tensorflow-core-native:1.1.0 with classifier linux-x86_64)");
        }
        if (!cpuHasAvx()) {
            return Availability.no("this CPU lacks AVX, which TensorFlow's linux-x86_64 build requires");
        }
        return Availability.yes("TensorFlow Java 1.1.0 (native library not loaded yet)");
    }

    /** Loads libtensorflow (once) and returns its version. */
    static String load() {
        Loaded loaded = Loaded.RESULT;
        if (loaded.failure != null) {
            throw new BackendUnavailableException("TensorFlow backend unavailable: " + loaded.failure
                    + ". TF Java 1.1.0 needs linux-x86_64, glibc >= 2.34 and AVX.");
        }
        return loaded.version;
    }

    /**
     * The reason the native load failed, if it was attempted and failed; null otherwise. Reads a
     * field of this class, not of {@link Loaded}, so that asking never triggers the load.
     */
    static String loadFailure() {
        return failure;
    }

    private static volatile String failure;

    /** Session settings: the intra-op pool follows {@code graft.threads}; 0 keeps TF's default (all cores). */
    static ConfigProto sessionConfig(BackendOptions options) {
        ConfigProto.Builder config = ConfigProto.newBuilder();
        int threads = options.threads();
        if (threads > 0) {
            config.setIntraOpParallelismThreads(threads);
        }
        String inter = options.property(INTER_OP_PROPERTY, System.getProperty("graft." + INTER_OP_PROPERTY));
        if (inter != null && !inter.isBlank()) {
            try {
                config.setInterOpParallelismThreads(Integer.parseInt(inter.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(INTER_OP_PROPERTY + " must be a whole number, got '" + inter + "'");
            }
        } else if (threads > 0) {
            config.setInterOpParallelismThreads(1);
        }
        return config.build();
    }

    private static boolean cpuHasAvx() {
        try {
            Path cpuinfo = Path.of("/proc/cpuinfo");
            if (!Files.isReadable(cpuinfo)) {
                return true; // cannot tell; let the load decide
            }
            for (String line : Files.readAllLines(cpuinfo)) {
                if (line.startsWith("flags")) {
                    return (" " + line + " ").contains(" avx ");
                }
            }
            return true;
        } catch (Exception e) {
            return true;
        }
    }

    /** Lazy holder: the first access loads libtensorflow, any failure becomes the cached answer. */
    private static final class Loaded {
        static final Loaded RESULT = attempt();

        final String version;
        final String failure;

        private Loaded(String version, String failure) {
            this.version = version;
            this.failure = failure;
        }

        private static Loaded attempt() {
            if (System.getenv(LOG_LEVEL_ENV) == null) {
                LOG.log(System.Logger.Level.DEBUG, "TensorFlow's C++ log is not quieted: a JVM cannot set "
                        + LOG_LEVEL_ENV + " for itself; export " + LOG_LEVEL_ENV + "=2 before starting Java");
            }
            try {
                return new Loaded(TensorFlow.version(), null);
            } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError, ExceptionInInitializerError
                String why = t.getClass().getSimpleName() + ": " + t.getMessage();
                LOG.log(System.Logger.Level.DEBUG, "libtensorflow failed to load", t);
                TfRuntime.failure = "libtensorflow failed to load (" + why + ")";
                return new Loaded(null, TfRuntime.failure);
            }
        }
    }
}
