package dev.graft.cli;

import dev.graft.cache.CacheEntry;
import dev.graft.cache.DiskCache;
import dev.graft.cache.Storage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Opens, lists and clears on-disk bottleneck caches (the API's {@link DiskCache}). */
final class DiskCaches {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    private DiskCaches() {
    }

    static DiskCache open(Path dir, Storage storage, Long maxBytes) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new CliException("--cache " + dir + " is a file, not a directory", "give a directory, memory or none");
        }
        DiskCache.Builder b = DiskCache.builder(dir).storage(storage);
        if (maxBytes != null) {
            b.maxBytes(maxBytes);
        }
        return b.build();
    }

    static void list(BaseCommand cmd, Path dir) {
        List<CacheEntry> entries = Files.isDirectory(dir) ? DiskCache.open(dir).entries() : List.of();
        if (cmd.json()) {
            List<Map<String, Object>> list = new ArrayList<>();
            long total = 0;
            for (CacheEntry e : entries) {
                Map<String, Object> m = Json.object();
                m.put("key", e.key());
                m.put("file", e.file().toString());
                m.put("storage", e.storage().name());
                m.put("rows", e.rows());
                m.put("cols", e.cols());
                m.put("bytes", e.bytes());
                m.put("lastUsed", e.lastUsed().toString());
                list.add(m);
                total += e.bytes();
            }
            Map<String, Object> j = Json.object();
            j.put("directory", dir.toString());
            j.put("entries", list);
            j.put("bytes", total);
            cmd.out().println(Json.write(j));
            return;
        }
        if (entries.isEmpty()) {
            cmd.out().println(dir + ": no cache entries" + (Files.isDirectory(dir) ? "" : " (the directory does not exist)"));
            return;
        }
        Tables t = new Tables("key", " samples", " features", "storage", " size", "last used");
        long total = 0;
        for (CacheEntry e : entries) {
            t.row(e.key().substring(0, Math.min(16, e.key().length())), e.rows(), e.cols(),
                    e.storage().name().toLowerCase(Locale.ROOT), size(e.bytes()), TIME.format(e.lastUsed()));
            total += e.bytes();
        }
        cmd.out().println(dir + ": " + entries.size() + " entries, " + size(total));
        cmd.out().print(t);
    }

    static void clear(BaseCommand cmd, Path dir) {
        int removed = Files.isDirectory(dir) ? DiskCache.open(dir).clear() : 0;
        if (cmd.json()) {
            Map<String, Object> j = Json.object();
            j.put("directory", dir.toString());
            j.put("removed", removed);
            cmd.out().println(Json.write(j));
        } else {
            cmd.out().println(dir + ": removed " + removed + " cache " + (removed == 1 ? "entry" : "entries"));
        }
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double kib = bytes / 1024.0;
        return kib < 1024 ? String.format(Locale.ROOT, "%.1f KiB", kib)
                : kib < 1024 * 1024 ? String.format(Locale.ROOT, "%.1f MiB", kib / 1024)
                : String.format(Locale.ROOT, "%.2f GiB", kib / 1024 / 1024);
    }
}
