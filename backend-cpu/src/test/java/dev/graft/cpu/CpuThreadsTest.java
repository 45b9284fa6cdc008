package dev.graft.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.graft.conformance.Conformance;
import dev.graft.spi.BackendOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Thread-count precedence: graft.threads, then GRAFT_THREADS, then OPENBLAS_NUM_THREADS, then the available processors. */
class CpuThreadsTest {

    @Test
    void graftsSettingWinsThenOpenblasVariableThenDefault() {
        BackendOptions none = new BackendOptions(0, Map.of());
        assertEquals(3, CpuBackendProvider.threads(none.withThreads(3), "8"));
        assertEquals(8, CpuBackendProvider.threads(none, "8"));
        assertEquals(8, CpuBackendProvider.threads(none, " 8 "));
        assertEquals(CpuBackendProvider.defaultThreads(), CpuBackendProvider.threads(none, null));
        assertEquals(CpuBackendProvider.defaultThreads(), CpuBackendProvider.threads(none, "0"));
        assertEquals(CpuBackendProvider.defaultThreads(), CpuBackendProvider.threads(none, "lots"));
    }

    /** In a fresh JVM, as a user would: the environment variable reaches the opened backend. */
    @Test
    void openblasNumThreadsReachesTheBackendWhenGraftThreadsIsUnset() throws IOException, InterruptedException {
        Conformance.requireOrSkip(new CpuBackendProvider());
        assertEquals("2", run(Map.of("OPENBLAS_NUM_THREADS", "2"), List.of()));
        assertEquals("1", run(Map.of("OPENBLAS_NUM_THREADS", "2", "GRAFT_THREADS", "1"), List.of()));
        assertEquals(String.valueOf(Runtime.getRuntime().availableProcessors()), run(Map.of(), List.of()),
                "default: the processors available to the JVM");
        assertEquals("1", run(Map.of(), List.of("-XX:ActiveProcessorCount=1")),
                "the default follows the JVM's processor count (how cgroup quotas and cpusets arrive)");
        assertEquals("2", run(Map.of("OPENBLAS_NUM_THREADS", "1"), List.of("-Dgraft.threads=2")));
    }

    private static String run(Map<String, String> env, List<String> jvmArgs) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path")));
        command.addAll(jvmArgs);
        command.add(PrintThreads.class.getName());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(false);
        pb.environment().remove("OPENBLAS_NUM_THREADS");
        pb.environment().remove("GRAFT_THREADS");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        return out;
    }

    /** Opens the CPU backend with default options and prints its thread count. */
    public static final class PrintThreads {
        public static void main(String[] args) {
            try (CpuBackend b = (CpuBackend) new CpuBackendProvider().open(BackendOptions.defaults())) {
                System.out.println(b.threads());
            }
        }
    }
}
