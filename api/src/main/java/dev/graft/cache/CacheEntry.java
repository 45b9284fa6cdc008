package dev.graft.cache;

import java.nio.file.Path;
import java.time.Instant;

/**
 * One entry of a {@link DiskCache}, as its header describes it (listing does not verify checksums).
 *
 * @param key      the content key ({@link CacheKeys})
 * @param file     the entry's file
 * @param storage  how the values are stored
 * @param rows     samples
 * @param cols     features per sample
 * @param bytes    file size
 * @param lastUsed when it was last written or opened (the least recently used entry is evicted first)
 */
public record CacheEntry(String key, Path file, Storage storage, long rows, int cols, long bytes, Instant lastUsed) {
}
