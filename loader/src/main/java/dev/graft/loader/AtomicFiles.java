package dev.graft.loader;

import dev.graft.io.TempFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Writes files and whole folders so that a reader sees the old version or the new one, never a mix.
 *
 * <p>A file goes to a temporary name beside the target ({@link TempFiles}: {@code .<name>.<pid>-<n>.graft-tmp},
 * default permissions), is forced to disk and renamed over the target. A folder of several files that belong
 * together (a TF checkpoint's {@code .index}, {@code .data} and {@code .meta}) is written complete into a fresh
 * temporary folder beside the target and then swapped in by two renames ({@link #replaceDirectory}); the old
 * folder is deleted only after the new one is in place. Leftovers of a writer that was killed are removed by the
 * next write into the same folder once their process is gone.
 */
public final class AtomicFiles {

    /** Fills a folder that does not exist yet (the writer creates it). */
    @FunctionalInterface
    public interface FolderWriter {
        void write(Path folder) throws IOException;
    }

    private AtomicFiles() {
    }

    /**
     * Replaces {@code target} with {@code bytes} so that readers see either the old or the new file, never half.
     *
     * @throws IOException naming {@code target} (e.g. a full disk), with the old file untouched
     */
    public static void write(Path target, byte[] bytes) throws IOException {
        Path dir = parentDirectory(target);
        TempFiles.sweep(dir);
        Path tmp = TempFiles.createFile(target);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            } catch (IOException e) {
                throw naming(target, e);
            }
            move(tmp, target, true);
            syncDirectory(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Replaces the folder {@code target} with one that {@code writer} fills, as a whole: the writer fills a fresh
     * temporary folder beside it; only when that is complete is the old folder renamed aside, the new one renamed
     * to {@code target} and the old one deleted. A failure or a kill before the swap leaves the old folder as it
     * was. Between the two renames (microseconds) {@code target} does not exist; a writer killed exactly there
     * leaves the previous folder as {@code .<name>.<pid>-<n>.graft-old}, which readers name in their error and the
     * next call puts back before writing.
     *
     * @param replaceable decides whether an existing {@code target} may be replaced (it is given the folder);
     *                    when it says no, nothing is written and an {@link IOException} names the folder
     * @throws IOException naming {@code target} when it exists and is not a folder, or is not replaceable
     */
    public static void replaceDirectory(Path target, Predicate<Path> replaceable, FolderWriter writer) throws IOException {
        Path abs = target.toAbsolutePath();
        Path parent = parentDirectory(abs);
        restoreInterrupted(abs);
        TempFiles.sweep(parent);
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new FileSystemException(abs.toString(), null, "is a file, not a folder");
        }
        if (Files.isDirectory(abs) && !replaceable.test(abs)) {
            throw new FileSystemException(abs.toString(), null, "holds files that this write would not replace");
        }
        Path fresh = TempFiles.nameFor(abs);
        try {
            writer.write(fresh);
            if (!Files.isDirectory(fresh)) {
                throw new IllegalStateException("the folder writer did not create " + fresh);
            }
            syncTree(fresh);
            if (!Files.exists(abs)) {
                move(fresh, abs, false);
                syncDirectory(parent);
                return;
            }
            Path old = TempFiles.oldNameFor(abs);
            move(abs, old, false);
            try {
                move(fresh, abs, false);
            } catch (IOException e) {
                move(old, abs, false);
                throw e;
            }
            syncDirectory(parent);
            TempFiles.deleteTree(old);
        } catch (IOException e) {
            throw naming(target, e);
        } finally {
            TempFiles.deleteTree(fresh);
        }
    }

    /**
     * The leftovers of an interrupted {@link #replaceDirectory} of {@code target} whose writer is gone: the previous
     * folder when the writer was killed between its two renames. Empty when there is nothing to report.
     */
    public static List<Path> interruptedReplacements(Path target) {
        Path abs = target.toAbsolutePath();
        List<Path> found = new ArrayList<>();
        if (abs.getParent() == null || Files.exists(abs)) {
            return found;
        }
        try (Stream<Path> siblings = Files.list(abs.getParent())) {
            siblings.filter(p -> abs.getFileName().toString().equals(TempFiles.targetName(p)))
                    .filter(p -> TempFiles.isOldVersion(p) && Files.isDirectory(p) && TempFiles.isStale(p))
                    .forEach(found::add);
        } catch (IOException e) {
            // nothing to report
        }
        return found;
    }

    /** Puts back the previous folder when an earlier swap was killed between its two renames. */
    private static void restoreInterrupted(Path abs) throws IOException {
        List<Path> left = interruptedReplacements(abs);
        if (left.size() == 1 && !Files.exists(abs)) {
            move(left.get(0), abs, false);
        }
    }

    /** The folder that will hold {@code target}, created if absent. */
    private static Path parentDirectory(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    throw new FileSystemException(target.toString(), null, p + " is a file, not a folder");
                }
                break;
            }
        }
        Files.createDirectories(dir);
        return dir;
    }

    private static void move(Path from, Path to, boolean replace) throws IOException {
        try {
            if (replace) {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (AtomicMoveNotSupportedException e) {
            if (replace) {
                Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.move(from, to);
            }
        }
    }

    /** Forces every file under {@code dir} to disk before the folder becomes visible under its real name. */
    private static void syncTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
        }
    }

    /** Makes the renames in {@code dir} durable (best effort: not every platform can open a folder for this). */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // the renames are still atomic; only their durability across a power cut is left to the file system
        }
    }

    /** {@code e} with {@code target} in its message when the JDK left it out ("No space left on device"). */
    static IOException naming(Path target, IOException e) {
        if (e instanceof FileSystemException || (e.getMessage() != null && e.getMessage().contains(target.toString()))) {
            return e;
        }
        return new IOException("cannot write " + target + ": " + e.getMessage(), e);
    }
}
