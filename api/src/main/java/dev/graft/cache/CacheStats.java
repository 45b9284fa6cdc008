package dev.graft.cache;

/**
 * Counters of one cache object since it was created.
 *
 * @param hits             requests served entirely from the cache (no frozen layer ran)
 * @param partialHits      requests that reused features at a lower boundary and ran only the layers above
 * @param misses           requests that ran the whole frozen prefix from the inputs
 * @param featurizeSeconds time spent running frozen layers and writing entries
 */
public record CacheStats(long hits, long partialHits, long misses, double featurizeSeconds) {
}
