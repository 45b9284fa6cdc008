package dev.graft.cache;

import dev.graft.Model;
import dev.graft.reference.ReferenceBackend;
import java.nio.file.Path;

/**
 * Fills the fixture's disk-cache entry from a separate process (for the two-process test):
 * {@code CacheFillMain <dir> <delayMillisPerBatch>}; prints {@code computed=<layers run>}.
 */
public final class CacheFillMain {

    private CacheFillMain() {
    }

    public static void main(String[] args) {
        Model model = CacheFixtures.model();
        CountingBackend counting = new CountingBackend(new ReferenceBackend(), Long.parseLong(args[1]));
        CacheFixtures.Events events = new CacheFixtures.Events();
        DiskCache.open(Path.of(args[0])).source(model.slice(0, model.frozenPrefixLength()), CacheFixtures.data(5),
                counting.backend, events);
        System.out.println("computed=" + events.last().computedLayers() + " passes=" + counting.frozenPasses.get());
    }
}
