package dev.graft.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Model;
import dev.graft.data.Dataset;
import dev.graft.reference.ReferenceBackend;
import dev.graft.train.TrainingListener.FeaturesEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two threads, then two processes, fill the same disk entry at once: one computes, one reads, one valid file. */
class ConcurrentFillTest {

    @TempDir
    Path dir;

    private final Model model = CacheFixtures.model();
    private final Model prefix = model.slice(0, 2);
    private final Dataset data = CacheFixtures.data(5);

    @Test
    void twoThreadsFillingOneEntryEndWithOneValidFile() throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<FeaturesEvent>> results = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                results.add(pool.submit(() -> {
                    CountingBackend slow = new CountingBackend(new ReferenceBackend(), 40);
                    CacheFixtures.Events events = new CacheFixtures.Events();
                    DiskCache cache = DiskCache.open(dir);
                    start.await();
                    cache.source(prefix, data, slow.backend, events);
                    return events.last();
                }));
            }
            List<Boolean> hits = new ArrayList<>();
            for (Future<FeaturesEvent> f : results) {
                hits.add(f.get(60, TimeUnit.SECONDS).hit());
            }
            assertEquals(1, hits.stream().filter(h -> h).count(), "exactly one thread computes: " + hits);
        } finally {
            pool.shutdownNow();
        }
        assertOneValidFile();
    }

    @Test
    void twoProcessesFillingOneEntryEndWithOneValidFile() throws Exception {
        Path testClasses = Path.of(CacheFillMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path mainClasses = Path.of(DiskCache.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String javaCommand = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> processes = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            processes.add(new ProcessBuilder(javaCommand, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp",
                    testClasses + java.io.File.pathSeparator + mainClasses,
                    CacheFillMain.class.getName(), dir.toString(), "400")
                    .redirectErrorStream(true).start());
        }
        List<String> outputs = new ArrayList<>();
        for (Process p : processes) {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child process hung");
            assertEquals(0, p.exitValue(), "child failed:\n" + out);
            outputs.add(out.lines().filter(l -> l.startsWith("computed=")).findFirst().orElse(out));
        }
        long computed = outputs.stream().filter(o -> o.startsWith("computed=2")).count();
        long read = outputs.stream().filter(o -> o.equals("computed=0 passes=0")).count();
        assertEquals(1, computed, "exactly one process featurizes: " + outputs);
        assertEquals(1, read, "the other reads its file: " + outputs);
        assertOneValidFile();
    }

    private void assertOneValidFile() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(f -> f.getFileName().toString()).filter(n -> !n.endsWith(".lock")).toList();
            assertEquals(1, names.size(), "one entry file and no temporary files: " + names);
        }
        CacheFixtures.Events events = new CacheFixtures.Events();
        CountingBackend counting = new CountingBackend(new ReferenceBackend());
        FeatureSource f = DiskCache.open(dir).source(prefix, data, counting.backend, events);
        assertTrue(events.last().hit());
        assertEquals(List.of(), events.discarded);
        assertArrayEquals(DiskCacheTest.expected(prefix, data), DiskCacheTest.all(f));
    }
}
