package dev.graft.io;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Temporary files and folders that Graft's atomic writers create beside their target before renaming them into
 * place: {@code .<target name>.<pid>-<n>.graft-tmp}, and {@code .<target name>.<pid>-<n>.graft-old} for a folder's
 * previous version while a new one is swapped in. The name says which file it stands for and which process wrote
 * it, so a writer killed with {@code kill -9} leaves something recognisable, and {@link #sweep} (run by the next
 * write to the same folder, and when a disk cache is opened) removes such leftovers once their writer is gone.
 * A {@code .graft-old} folder is kept while its target is missing: it is then the only copy.
 *
 * <p>Files are created with the default permissions the umask allows ({@code rw-r--r--} under the usual 022),
 * not owner-only as {@link Files#createTempFile} would make them, because they become the user's saved models,
 * exports and cache entries.
 */
public final class TempFiles {

    /** The suffix of a temporary name that becomes its target. */
    public static final String SUFFIX = ".graft-tmp";
    /** The suffix of a folder's previous version, set aside during a swap. */
    public static final String OLD_SUFFIX = ".graft-old";
    /** Leftovers older than this are removed even when their writer's process id is in use again. */
    public static final Duration STALE_AGE = Duration.ofHours(24);

    private static final Pattern NAME = Pattern.compile("^\\.(.+)\\.(\\d+)-(\\d+)\\.graft-(tmp|old)$");
    private static final AtomicLong COUNTER = new AtomicLong(System.nanoTime() & 0xFFFFFF);
    private static final long PID = ProcessHandle.current().pid();

    private TempFiles() {
    }

    /** A fresh temporary name beside {@code target} (nothing is created). */
    public static Path nameFor(Path target) {
        return name(target, SUFFIX);
    }

    /** A fresh name beside folder {@code target} for its previous version during a swap. */
    public static Path oldNameFor(Path target) {
        return name(target, OLD_SUFFIX);
    }

    private static Path name(Path target, String suffix) {
        Path abs = target.toAbsolutePath();
        return abs.resolveSibling("." + abs.getFileName() + "." + PID + "-" + COUNTER.incrementAndGet() + suffix);
    }

    /** Whether {@code path} is a folder's previous version set aside by a swap ({@link #oldNameFor}). */
    public static boolean isOldVersion(Path path) {
        Matcher m = NAME.matcher(path.getFileName().toString());
        return m.matches() && m.group(4).equals("old");
    }

    /** Creates an empty temporary file beside {@code target} with default (umask) permissions. */
    public static Path createFile(Path target) throws IOException {
        while (true) {
            Path tmp = nameFor(target);
            try {
                return Files.createFile(tmp);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // another process with a recycled pid left this name: take the next one
            }
        }
    }

    /** Creates an empty temporary folder beside {@code target} with default (umask) permissions. */
    public static Path createDirectory(Path target) throws IOException {
        while (true) {
            Path tmp = nameFor(target);
            try {
                return Files.createDirectory(tmp);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // as above
            }
        }
    }

    /** The target a temporary name stands for ({@code .x.12-3.graft-tmp} gives {@code x}), or null if not one. */
    public static String targetName(Path temp) {
        Matcher m = NAME.matcher(temp.getFileName().toString());
        return m.matches() ? m.group(1) : null;
    }

    /**
     * Removes the leftovers in {@code dir} (files or folders with a temporary name) whose writing process has
     * ended, or which are older than {@link #STALE_AGE}. A live writer's files are never touched, nor a folder's
     * previous version while the folder itself is missing. Best effort:
     * what cannot be removed stays; returns how many were removed.
     */
    public static int sweep(Path dir) {
        int removed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, ".*.graft-{tmp,old}")) {
            for (Path p : entries) {
                boolean onlyCopy = isOldVersion(p) && !Files.exists(p.resolveSibling(targetName(p)));
                if (!onlyCopy && isStale(p) && deleteTree(p)) {
                    removed++;
                }
            }
        } catch (IOException e) {
            // an unreadable folder: nothing to sweep
        }
        return removed;
    }

    /** Whether {@code temp} is a leftover: its writer process is gone, or it is older than {@link #STALE_AGE}. */
    public static boolean isStale(Path temp) {
        Matcher m = NAME.matcher(temp.getFileName().toString());
        if (!m.matches()) {
            return false;
        }
        long pid;
        try {
            pid = Long.parseLong(m.group(2));
        } catch (NumberFormatException e) {
            return true;
        }
        boolean writerAlive = pid == PID || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        if (!writerAlive) {
            return true;
        }
        try {
            FileTime modified = Files.getLastModifiedTime(temp);
            return modified.toInstant().isBefore(Instant.now().minus(STALE_AGE));
        } catch (IOException e) {
            return false;
        }
    }

    /** Deletes a file or a folder and everything in it; false if something stayed. */
    public static boolean deleteTree(Path path) {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return true;
        }
        try (Stream<Path> all = Files.walk(path)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(p);
                } catch (NoSuchFileException ignored) {
                    // removed meanwhile
                }
            }
            return true;
        } catch (IOException | java.io.UncheckedIOException e) {
            return false;
        }
    }
}
