package dev.graft.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.data.Dataset;
import dev.graft.reference.ReferenceBackend;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingListener.FeaturesEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The disk cache: hits across cache objects, misses on any change, damaged files, LRU, streaming. */
class DiskCacheTest {

    @TempDir
    Path dir;

    private final Model model = CacheFixtures.model();
    private final Model prefix = model.slice(0, 2);
    private final Dataset data = CacheFixtures.data(5);

    static float[] expected(Model prefix, Dataset data) {
        return Featurizer.outputs(prefix, data, new ReferenceBackend(), 100);
    }

    static float[] all(FeatureSource f) {
        float[] v = new float[f.size() * f.width()];
        f.copyRows(0, f.size(), v, 0);
        return v;
    }

    private Model train(CountingBackend backend, BottleneckCache cache, CacheFixtures.Events events) {
        Trainer.Builder b = Trainer.builder(backend.backend).optimizer(Optimizer.sgd(0.1f)).epochs(2).batchSize(32).seed(3);
        if (cache != null) {
            b.cache(cache).listener(events);
        }
        return b.build().fit(model, data).model();
    }

    @Test
    void secondTrainerHitsTheDiskCacheAndRunsNoFrozenForwardPass() {
        CacheFixtures.Events first = new CacheFixtures.Events();
        CountingBackend firstBackend = new CountingBackend(new ReferenceBackend());
        Model a = train(firstBackend, DiskCache.open(dir), first);
        assertFalse(first.last().hit());
        assertEquals(2, first.last().computedLayers());
        assertTrue(firstBackend.frozenPasses.get() > 0, "the first run featurizes");

        CacheFixtures.Events second = new CacheFixtures.Events();
        CountingBackend secondBackend = new CountingBackend(new ReferenceBackend());
        Model b = train(secondBackend, DiskCache.open(dir), second);
        assertEquals(0, secondBackend.frozenPasses.get(), "the second trainer must not run a frozen layer");
        assertTrue(second.last().hit());
        assertEquals(first.last().key(), second.last().key());
        assertEquals(DiskCache.open(dir).file(first.last().key()).toString(), second.last().where());

        Model plain = train(new CountingBackend(new ReferenceBackend()), null, null);
        for (int i = 0; i < model.size(); i++) {
            Dense d = (Dense) b.layer(i);
            assertTrue(d.sameParameters((Dense) a.layer(i)), d.name() + " differs between first and second run");
            dev.graft.conformance.Conformance.assertClose(d.name() + " vs uncached", ((Dense) plain.layer(i)).weights(),
                    d.weights(), 1e-6, 1e-5);
        }
    }

    @Test
    void entriesGetTheUmasksPermissionsAndDeadWritersLeftoversAreSweptOnOpen() throws IOException {
        long dead = 4_000_000;
        while (ProcessHandle.of(dead).isPresent()) {
            dead++;
        }
        Path stale = Files.write(dir.resolve(".k.bnk." + dead + "-1" + dev.graft.io.TempFiles.SUFFIX), new byte[64]);
        CacheFixtures.Events events = new CacheFixtures.Events();
        train(new CountingBackend(new ReferenceBackend()), DiskCache.open(dir), events);
        assertFalse(Files.exists(stale), "a killed writer's temporary file is removed when the cache is opened");
        Path entry = DiskCache.open(dir).file(events.last().key());
        assertEquals(Files.getPosixFilePermissions(Files.createFile(dir.resolve("umask-reference"))),
                Files.getPosixFilePermissions(entry), "entries follow the umask, not owner-only");
    }

    @Test
    void changingOneFrozenWeightOneInputValueOrTheBoundaryMisses() {
        DiskCache cache = DiskCache.open(dir);
        ReferenceBackend ref = new ReferenceBackend();
        CacheFixtures.Events events = new CacheFixtures.Events();
        cache.source(prefix, data, ref, events);
        String original = events.last().key();

        Dense h1 = (Dense) prefix.layer(0);
        float[] w = h1.weights();
        w[5] = Math.nextUp(w[5]);
        Model changedWeight = prefix.with(0, h1.withParameters(w, h1.bias()));
        float[] x = data.features();
        x[7] = Math.nextUp(x[7]);
        Dataset changedInput = Dataset.classification(x, 24, data.labels(), 3);
        Model lower = prefix.slice(0, 1);
        Model higher = model.slice(0, 3).with(2, model.layer(2).withTrainable(false));

        record Case(String what, Model prefix, Dataset data, int computed) { }
        for (Case c : List.of(new Case("one frozen weight", changedWeight, data, 2),
                new Case("one input value", prefix, changedInput, 2),
                new Case("boundary one lower", lower, data, 1),
                new Case("boundary one higher", higher, data, 1))) {
            FeatureSource f = cache.source(c.prefix(), c.data(), ref, events);
            FeaturesEvent e = events.last();
            assertFalse(e.hit(), c.what() + " must miss");
            assertNotEquals(original, e.key(), c.what());
            assertEquals(c.computed(), e.computedLayers(), c.what());
            assertArrayEquals(expected(c.prefix(), c.data()), all(f), c.what() + ": values");
        }
        assertEquals(5, cache.entries().size());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"truncated", "payload byte flipped", "header byte flipped", "foreign entry"})
    void damagedFileIsReportedDiscardedAndRebuilt(String damage) throws IOException {
        ReferenceBackend ref = new ReferenceBackend();
        CacheFixtures.Events events = new CacheFixtures.Events();
        DiskCache.open(dir).source(prefix, data, ref, events);
        Path file = DiskCache.open(dir).file(events.last().key());
        byte[] good = Files.readAllBytes(file);
        byte[] bad = good.clone();
        String reason;
        switch (damage) {
            case "truncated" -> {
                bad = Arrays.copyOf(good, good.length - 1000);
                reason = "truncated";
            }
            case "payload byte flipped" -> {
                bad[CacheFile.HEADER + (good.length - CacheFile.HEADER) / 2] ^= 0x10;
                reason = "payload checksum mismatch";
            }
            case "header byte flipped" -> {
                bad[17] ^= 0x01;
                reason = "header checksum mismatch";
            }
            default -> {
                DiskCache.open(dir).source(prefix.slice(0, 1), data, ref, events);
                bad = Files.readAllBytes(DiskCache.open(dir).file(events.last().key()));
                reason = "foreign entry";
            }
        }
        replace(file, bad);

        CacheFixtures.Events after = new CacheFixtures.Events();
        CountingBackend counting = new CountingBackend(new ReferenceBackend());
        FeatureSource rebuilt = DiskCache.open(dir).source(prefix, data, counting.backend, after);
        assertEquals(1, after.discarded.size(), "the damage must be reported once");
        assertTrue(after.discarded.get(0).reason().startsWith(reason), after.discarded.get(0).reason());
        assertEquals(file.toString(), after.discarded.get(0).where());
        assertFalse(after.last().hit());
        assertTrue(counting.frozenPasses.get() > 0);
        assertArrayEquals(expected(prefix, data), all(rebuilt));
        assertArrayEquals(good, Files.readAllBytes(file), "the rebuilt file must equal the original");
    }

    /** Replaces a file by rename, as a foreign writer would, leaving earlier mappings of the old file intact. */
    private static void replace(Path file, byte[] content) throws IOException {
        Path temp = Files.createTempFile(file.getParent(), "damage", ".x");
        Files.write(temp, content);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void leastRecentlyUsedEntriesAreEvictedBeyondTheLimit() {
        ReferenceBackend ref = new ReferenceBackend();
        Model small = prefix.slice(0, 1);
        long entryBytes = CacheFile.HEADER + 1300L * 16 * Float.BYTES;
        DiskCache cache = DiskCache.builder(dir).maxBytes(entryBytes * 5 / 2).build();
        CacheFixtures.Events events = new CacheFixtures.Events();
        cache.source(small, CacheFixtures.data(1), ref, events);
        String a = events.last().key();
        cache.source(small, CacheFixtures.data(2), ref, events);
        String b = events.last().key();
        cache.source(small, CacheFixtures.data(1), ref, events);
        assertTrue(events.last().hit());
        cache.source(small, CacheFixtures.data(3), ref, events);
        String c = events.last().key();

        List<CacheEntry> entries = cache.entries();
        assertEquals(List.of(a, c), entries.stream().map(CacheEntry::key).toList(), "b was least recently used");
        assertFalse(Files.exists(cache.file(b)));
        assertEquals(entryBytes, entries.get(0).bytes());
        assertEquals(1300, entries.get(0).rows());
        assertEquals(16, entries.get(0).cols());
        assertTrue(cache.bytes() <= entryBytes * 5 / 2);

        assertEquals(2, cache.clear());
        assertEquals(List.of(), cache.entries());
        cache.source(small, CacheFixtures.data(1), ref, events);
        assertFalse(events.last().hit(), "cleared entries are gone");
    }

    @Test
    void fp16FilesAreHalfTheSizeAndCloseToFp32() throws IOException {
        ReferenceBackend ref = new ReferenceBackend();
        CacheFixtures.Events events = new CacheFixtures.Events();
        FeatureSource full = DiskCache.open(dir).source(prefix, data, ref, events);
        String fullKey = events.last().key();
        DiskCache halfCache = DiskCache.builder(dir).storage(Storage.FP16).build();
        FeatureSource half = halfCache.source(prefix, data, ref, events);
        assertNotEquals(fullKey, events.last().key(), "the storage type is part of the key");
        long fullBytes = Files.size(halfCache.file(fullKey)) - CacheFile.HEADER;
        long halfBytes = Files.size(halfCache.file(events.last().key())) - CacheFile.HEADER;
        assertEquals(fullBytes / 2, halfBytes);
        float[] f = all(full);
        float[] h = all(half);
        for (int i = 0; i < f.length; i++) {
            assertEquals(f[i], h[i], Math.abs(f[i]) * 0x1p-11 + 0x1p-25, "value " + i);
        }
        assertTrue(DiskCache.builder(dir).storage(Storage.FP16).build().source(prefix, data, ref, events) != null
                && events.last().hit());
    }

    @Test
    void streamedSourceIsFeaturizedInChunksUnderTheCallersFingerprint() {
        int rows = 1500;
        FeatureSource generated = new FeatureSource() {
            @Override public int size() { return rows; }
            @Override public int width() { return 24; }
            @Override public void copyRows(int from, int count, float[] dst, int offset) {
                for (int i = 0; i < count * 24; i++) {
                    dst[offset + i] = (float) Math.sin((from * 24L + i) * 0.37);
                }
            }
        };
        float[] x = new float[rows * 24];
        generated.copyRows(0, rows, x, 0);
        Dataset same = Dataset.classification(x, 24, new int[rows], 3);
        DiskCache cache = DiskCache.open(dir);
        CacheFixtures.Events events = new CacheFixtures.Events();
        ReferenceBackend ref = new ReferenceBackend();
        FeatureSource f = cache.featurize(prefix, generated, "sine-v1", "none", ref, events);
        assertFalse(events.last().hit());
        assertArrayEquals(expected(prefix, same), all(f));
        cache.featurize(prefix, generated, "sine-v1", "none", ref, events);
        assertTrue(events.last().hit());
        cache.featurize(prefix, generated, "sine-v1", "standardized", ref, events);
        assertFalse(events.last().hit(), "the preprocessing id is part of the key");
        Set<String> files = cache.entries().stream().map(e -> e.file().getFileName().toString()).collect(Collectors.toSet());
        assertEquals(2, files.size());
    }

    @Test
    void gradualUnfreezingReusesTheLowerBoundary() {
        DiskCache cache = DiskCache.builder(dir).everyBoundary(true).build();
        CacheFixtures.Events events = new CacheFixtures.Events();
        cache.source(prefix, data, new ReferenceBackend(), events);
        assertEquals(2, cache.entries().size(), "every frozen dense layer's output is kept");

        Model unfrozenH2 = model.with(1, model.layer(1).withTrainable(true));
        CountingBackend counting = new CountingBackend(new ReferenceBackend());
        Trainer.builder(counting.backend).epochs(1).seed(1).cache(DiskCache.open(dir)).listener(events).build()
                .fit(unfrozenH2, data);
        assertTrue(events.last().hit());
        assertEquals(1, events.last().frozenLayers());
        assertEquals(0, counting.frozenPasses.get());
    }

    @Test
    void longerFrozenPrefixRunsOnlyTheLayersAboveTheLongestCachedOne() {
        DiskCache cache = DiskCache.open(dir);
        CacheFixtures.Events events = new CacheFixtures.Events();
        cache.source(prefix.slice(0, 1), data, new ReferenceBackend(), events);
        CountingBackend counting = new CountingBackend(new ReferenceBackend());
        FeatureSource f = cache.source(prefix, data, counting.backend, events);
        assertEquals(List.of("h2"), counting.frozenNetworksFrom, "only h2 runs; h1's output is read");
        assertEquals(1, events.last().computedLayers());
        assertEquals(1, events.last().reusedLayers());
        assertFalse(events.last().hit());
        assertArrayEquals(expected(prefix, data), all(f));
        assertEquals(1, cache.stats().partialHits());
    }
}
