package dev.graft.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.io.TempFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Atomic writes: umask permissions, recognisable temporary names, leftovers of dead writers swept (issue 12, item 7). */
class AtomicFilesTest {

    @Test
    void writtenFilesGetTheUmasksPermissionsNotOwnerOnly(@TempDir Path tmp) throws IOException {
        Path reference = Files.createFile(tmp.resolve("reference")); // what the umask gives a new file here
        Path target = tmp.resolve("model.safetensors");
        AtomicFiles.write(target, new byte[] {1, 2, 3});
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(reference);
        assertEquals(expected, Files.getPosixFilePermissions(target));
        AtomicFiles.replaceDirectory(tmp.resolve("export"), d -> true, fresh -> {
            Files.createDirectory(fresh);
            AtomicFiles.write(fresh.resolve("a"), new byte[] {4});
        });
        assertEquals(expected, Files.getPosixFilePermissions(tmp.resolve("export/a")));
        assertEquals(Files.getPosixFilePermissions(Files.createDirectory(tmp.resolve("refdir"))),
                Files.getPosixFilePermissions(tmp.resolve("export")));
    }

    @Test
    void leftoversOfDeadWritersAreRemovedByTheNextWriteAndLiveOnesKept(@TempDir Path tmp) throws IOException {
        long dead = 4_000_000;
        while (ProcessHandle.of(dead).isPresent()) {
            dead++;
        }
        Path stale = Files.write(tmp.resolve(".model.safetensors." + dead + "-3" + TempFiles.SUFFIX), new byte[10]);
        Path live = Files.write(tmp.resolve(".model.safetensors." + ProcessHandle.current().pid() + "-1" + TempFiles.SUFFIX),
                new byte[10]);
        Path unrelated = Files.write(tmp.resolve("notes.tmp"), new byte[1]);
        assertEquals("model.safetensors", TempFiles.targetName(stale));
        AtomicFiles.write(tmp.resolve("model.safetensors"), new byte[] {7});
        assertFalse(Files.exists(stale), "a dead writer's leftover is removed");
        assertTrue(Files.exists(live) && Files.exists(unrelated), "a live writer's file and other files stay");
        assertArrayEquals(new byte[] {7}, Files.readAllBytes(tmp.resolve("model.safetensors")));
    }

    @Test
    void aParentThatIsAFileIsNamedAsSuch(@TempDir Path tmp) throws IOException {
        Path file = Files.write(tmp.resolve("file.txt"), new byte[1]);
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(file.resolve("m.safetensors"), new byte[1]));
        assertTrue(e.getMessage().contains(file + " is a file, not a folder"), e.getMessage());
    }

    @Test
    void aFolderThatMayNotBeReplacedIsLeftAlone(@TempDir Path tmp) throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("mine"));
        Files.write(dir.resolve("notes.txt"), new byte[] {1});
        assertThrows(IOException.class, () -> AtomicFiles.replaceDirectory(dir, d -> false, Files::createDirectory));
        assertArrayEquals(new byte[] {1}, Files.readAllBytes(dir.resolve("notes.txt")));
    }

    @Test
    void aFullDiskNamesTheFileBeingWritten(@TempDir Path tmp) {
        Path target = tmp.resolve("model.safetensors");
        // The JDK's FileChannel.write reports ENOSPC with the bare reason; AtomicFiles adds the file.
        IOException e = AtomicFiles.naming(target, new IOException("No space left on device"));
        assertEquals("cannot write " + target + ": No space left on device", e.getMessage());
        IOException named = new java.nio.file.AccessDeniedException(target.toString());
        assertTrue(AtomicFiles.naming(target, named) == named, "an exception that names its file is kept");
    }
}
