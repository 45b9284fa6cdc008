package dev.graft.cache;

import dev.graft.Model;
import dev.graft.data.Dataset;
import dev.graft.io.TempFiles;
import dev.graft.spi.Backend;
import dev.graft.train.TrainingListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Bottleneck features in a directory, one checksummed file per (frozen prefix, dataset, storage)
 * key, memory-mapped for reading: a second run of the same fine-tuning, in this process or another,
 * skips the frozen forward pass, and the features never have to fit on the heap. Featurizing
 * streams chunks of rows straight into a temporary file that is renamed into place when complete.
 *
 * <p>Safety: every file is verified (header, size, CRC32C of the payload) on open; a truncated,
 * corrupt or foreign file is reported to the listener and the log, deleted and rebuilt. Threads
 * and processes filling the same entry serialize on a lock file ({@code <key>.lock}, a
 * {@link FileLock} plus an in-process lock), and the second one finds the first one's file.
 * With a size limit, the least recently opened entries are deleted after each write.
 *
 * <pre>{@code
 * DiskCache cache = DiskCache.builder(Path.of("features")).maxBytes(2L << 30).build();
 * Trainer trainer = Trainer.builder(backend).cache(cache).build();
 * }</pre>
 */
public final class DiskCache implements BottleneckCache {

    private static final ConcurrentHashMap<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();
    private static final AtomicLong LAST_STAMP = new AtomicLong();

    private final Path dir;
    private final long maxBytes;
    private final PrefixFeaturizer engine;

    private DiskCache(Builder b) {
        try {
            Files.createDirectories(b.dir);
            this.dir = b.dir.toRealPath();
            TempFiles.sweep(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create bottleneck cache directory " + b.dir + ": " + e.getMessage(), e);
        }
        this.maxBytes = b.maxBytes;
        this.engine = new PrefixFeaturizer(new Store(), b.storage, b.everyBoundary);
    }

    /** An fp32 cache in {@code dir} (created if absent) without a size limit. */
    public static DiskCache open(Path dir) {
        return builder(dir).build();
    }

    /** Configures a cache in {@code dir}. */
    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    @Override
    public FeatureSource source(Model frozenPrefix, Dataset data, Backend backend, TrainingListener listener) {
        return engine.features(frozenPrefix, FeatureSource.of(data), data.featureFingerprint(), "", backend, listener);
    }

    /**
     * Features of any row source (e.g. one streamed from files too large for the heap), keyed by the
     * caller's {@code fingerprint} of its contents and {@code preprocessing} id: the caller promises
     * that equal fingerprints mean equal rows (see {@link CacheKeys}).
     */
    public FeatureSource featurize(Model frozenPrefix, FeatureSource input, String fingerprint, String preprocessing,
                                   Backend backend, TrainingListener listener) {
        return engine.features(frozenPrefix, input, Objects.requireNonNull(fingerprint, "fingerprint"),
                Objects.requireNonNull(preprocessing, "preprocessing"), backend, listener);
    }

    /** The cache directory. */
    public Path directory() {
        return dir;
    }

    /** The file that holds (or would hold) entry {@code key}. */
    public Path file(String key) {
        if (!CacheKeys.isKey(key)) {
            throw new IllegalArgumentException("not a cache key: " + key);
        }
        return dir.resolve(key + CacheFile.SUFFIX);
    }

    /** Hits, misses and featurizing time of this object so far. */
    public CacheStats stats() {
        return engine.stats();
    }

    /** The entries in the directory, least recently used first; files with unreadable headers are left out (and logged). */
    public List<CacheEntry> entries() {
        List<CacheEntry> list = new ArrayList<>();
        for (Path f : entryFiles()) {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                CacheFile.Header h = CacheFile.readHeader(ch);
                list.add(new CacheEntry(h.key(), f, h.storage(), h.rows(), h.cols(), ch.size(),
                        Files.getLastModifiedTime(f).toInstant()));
            } catch (NoSuchFileException e) {
                // removed meanwhile
            } catch (IOException e) {
                PrefixFeaturizer.LOG.log(Level.WARNING, "unreadable bottleneck cache file {0}: {1}", f, e.getMessage());
            }
        }
        list.sort(Comparator.comparing(CacheEntry::lastUsed));
        return list;
    }

    /** Total bytes of the entry files. */
    public long bytes() {
        return entries().stream().mapToLong(CacheEntry::bytes).sum();
    }

    /** Deletes entry {@code key}; false if it was absent. */
    public boolean remove(String key) {
        try {
            return Files.deleteIfExists(file(key));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file(key) + ": " + e.getMessage(), e);
        }
    }

    /** Deletes every entry and leftover temporary file; returns the number of entries deleted. */
    public int clear() {
        int removed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.{bnk,tmp,graft-tmp}")) {
            for (Path f : files) {
                if (Files.deleteIfExists(f) && f.toString().endsWith(CacheFile.SUFFIX)) {
                    removed++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear bottleneck cache " + dir + ": " + e.getMessage(), e);
        }
        return removed;
    }

    private List<Path> entryFiles() {
        List<Path> list = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + CacheFile.SUFFIX)) {
            files.forEach(list::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list bottleneck cache " + dir + ": " + e.getMessage(), e);
        }
        return list;
    }

    /** Deletes least recently used entries, never those just written, until the directory fits the limit. */
    private void evict(Set<String> keep) {
        if (maxBytes == Long.MAX_VALUE) {
            return;
        }
        List<CacheEntry> all = entries();
        long total = all.stream().mapToLong(CacheEntry::bytes).sum();
        for (CacheEntry e : all) {
            if (total <= maxBytes) {
                break;
            }
            if (keep.contains(e.key())) {
                continue;
            }
            try {
                Files.deleteIfExists(e.file());
                total -= e.bytes();
                PrefixFeaturizer.LOG.log(Level.INFO, "bottleneck cache over {0} bytes: evicted {1} (last used {2})",
                        maxBytes, e.file(), e.lastUsed());
            } catch (IOException ex) {
                PrefixFeaturizer.LOG.log(Level.WARNING, "could not evict " + e.file(), ex);
            }
        }
        if (total > maxBytes) {
            PrefixFeaturizer.LOG.log(Level.WARNING, "bottleneck cache {0} holds {1} bytes, above its {2}-byte limit, "
                    + "in entries written just now", dir, total, maxBytes);
        }
    }

    /** Marks a file as just used; stamps are strictly increasing within a process so LRU order is exact. */
    private static void touch(Path f) {
        long now = LAST_STAMP.updateAndGet(last -> Math.max(System.currentTimeMillis(), last + 1));
        try {
            Files.setLastModifiedTime(f, FileTime.fromMillis(now));
        } catch (IOException e) {
            PrefixFeaturizer.LOG.log(Level.DEBUG, "could not touch {0}: {1}", f, e.getMessage());
        }
    }

    private final class Store implements EntryStore {
        @Override
        public String describe(String key) {
            return file(key).toString();
        }

        @Override
        public FeatureSource find(String key, int rows, int cols, TrainingListener listener) {
            Path f = file(key);
            try {
                MappedFeatures m = CacheFile.open(f, key, engine.storage(), rows, cols);
                touch(f);
                return m;
            } catch (NoSuchFileException e) {
                return null;
            } catch (CacheFile.Invalid e) {
                PrefixFeaturizer.LOG.log(Level.WARNING, "discarding bottleneck cache file {0}: {1}; it will be rebuilt",
                        f, e.getMessage());
                listener.onCacheDiscarded(new TrainingListener.CacheDiscardedEvent(key, f.toString(), e.getMessage()));
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ex) {
                    throw new UncheckedIOException("cannot delete corrupt cache file " + f + ": " + ex.getMessage(), ex);
                }
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read bottleneck cache file " + f + ": " + e.getMessage(), e);
            }
        }

        @Override
        public <T> T exclusive(String key, Supplier<T> body) {
            Path lockFile = dir.resolve(key + ".lock");
            ReentrantLock inProcess = LOCKS.computeIfAbsent(lockFile, p -> new ReentrantLock());
            inProcess.lock();
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                return body.get();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot lock " + lockFile + ": " + e.getMessage(), e);
            } finally {
                inProcess.unlock();
            }
        }

        @Override
        public EntryWriter create(String key, int rows, int cols) {
            Path target = file(key);
            CacheFile.Writer w;
            try {
                w = CacheFile.create(target, key, engine.storage(), rows, cols);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a cache file in " + dir + ": " + e.getMessage(), e);
            }
            return new EntryWriter() {
                @Override
                public void write(float[] src, int offset, int count) {
                    try {
                        w.write(src, offset, count);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot write cache entry " + target + ": " + e.getMessage(), e);
                    }
                }

                @Override
                public FeatureSource commit() {
                    try {
                        MappedFeatures m = w.commit();
                        touch(target);
                        return m;
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot complete cache entry " + target + ": " + e.getMessage(), e);
                    }
                }

                @Override
                public void abort() {
                    w.abort();
                }
            };
        }

        @Override
        public void afterWrite(Set<String> written) {
            evict(written);
        }
    }

    /** Configures a {@link DiskCache}; defaults: fp32, no size limit, top boundary only. */
    public static final class Builder {
        private final Path dir;
        private Storage storage = Storage.FP32;
        private long maxBytes = Long.MAX_VALUE;
        private boolean everyBoundary;

        private Builder(Path dir) {
            this.dir = Objects.requireNonNull(dir, "dir");
        }

        /** How values are stored (fp16 halves the files). */
        public Builder storage(Storage storage) { this.storage = Objects.requireNonNull(storage); return this; }

        /** Keeps the directory under {@code maxBytes} by evicting least recently used entries after each write. */
        public Builder maxBytes(long maxBytes) {
            if (maxBytes <= 0) {
                throw new IllegalArgumentException("maxBytes must be positive, got " + maxBytes);
            }
            this.maxBytes = maxBytes;
            return this;
        }

        /**
         * Also stores the output of every frozen dense layer, so that a later run which unfreezes the top
         * frozen layer (gradual unfreezing) reads the layer below instead of running from the inputs.
         */
        public Builder everyBoundary(boolean everyBoundary) { this.everyBoundary = everyBoundary; return this; }

        public DiskCache build() { return new DiskCache(this); }
    }
}
