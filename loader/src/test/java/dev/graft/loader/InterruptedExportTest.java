package dev.graft.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.io.TempFiles;
import dev.graft.loader.tf.TfCheckpointWriter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A multi-file export interrupted between its files (by a failure, or by {@code kill -9}) leaves the old set or the
 * new one, and a set mixed from two writes is refused on load, never read as a model (issue 12, item 2).
 */
class InterruptedExportTest {

    private static final Model OLD = ExportLoopMain.model(0);
    private static final Model NEW = ExportLoopMain.model(1);
    /** Kills per test; raise with -Dgraft.killRounds=50 for a longer run outside CI. */
    private static final int ROUNDS = Integer.getInteger("graft.killRounds", 4);

    private static void writeFolder(Path dir, Model m) throws IOException {
        AtomicFiles.replaceDirectory(dir, d -> true, fresh -> {
            Files.createDirectories(fresh);
            TfCheckpointWriter.write(m, fresh.resolve("model.ckpt"), TfCheckpointWriter.Naming.WEIGHTS_BIASES);
        });
    }

    /** Which of the two models {@code loaded} is, exactly (weights and activations), or -1 for neither. */
    private static int which(Model loaded) {
        for (int w = 0; w < 2; w++) {
            Model m = w == 0 ? OLD : NEW;
            boolean same = loaded.names().equals(m.names());
            for (int i = 0; same && i < m.size(); i++) {
                Dense a = (Dense) m.layer(i);
                Dense b = (Dense) loaded.layer(i);
                same = a.sameParameters(b) && a.activation().equals(b.activation());
            }
            if (same) {
                return w;
            }
        }
        return -1;
    }

    @Test
    void aWriterFailingAfterItsFirstFileLeavesTheOldFolderAsItWas(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("export");
        writeFolder(dir, OLD);
        byte[] oldMeta = Files.readAllBytes(dir.resolve("model.ckpt.meta"));
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.replaceDirectory(dir, d -> true, fresh -> {
            Files.createDirectories(fresh);
            TfCheckpointWriter.write(NEW, fresh.resolve("model.ckpt"), TfCheckpointWriter.Naming.WEIGHTS_BIASES);
            Files.delete(fresh.resolve("model.ckpt.meta")); // as if stopped before the last file
            throw new IOException("simulated failure between the files");
        }));
        assertTrue(e.getMessage().contains("simulated"), e.getMessage());
        assertEquals(0, which(Models.load(dir).model()), "the folder still holds exactly the old model");
        assertEquals(java.util.Arrays.toString(oldMeta), java.util.Arrays.toString(Files.readAllBytes(dir.resolve("model.ckpt.meta"))));
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(dir), left.toList(), "no temporary folder left beside it");
        }
        writeFolder(dir, NEW);
        assertEquals(1, which(Models.load(dir).model()), "the next export replaces it");
    }

    @Test
    void aSwapKilledBetweenItsRenamesIsNamedByReadersAndUndoneByTheNextWrite(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("export");
        writeFolder(dir, OLD);
        // What a writer with process id DEAD leaves when killed after renaming the old folder aside.
        long dead = deadPid();
        Path aside = tmp.resolve(".export." + dead + "-7" + TempFiles.OLD_SUFFIX);
        Files.move(dir, aside);
        Files.createDirectory(tmp.resolve(".export." + dead + "-8" + TempFiles.SUFFIX));
        assertEquals(List.of(aside), AtomicFiles.interruptedReplacements(dir));
        TempFiles.sweep(tmp);
        assertTrue(Files.isDirectory(aside), "the only copy is never swept");
        assertFalse(Files.exists(tmp.resolve(".export." + dead + "-8" + TempFiles.SUFFIX)), "a dead writer's temp is");
        writeFolder(dir, NEW);
        assertEquals(1, which(Models.load(dir).model()));
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(dir), left.toList(), "the old folder was put back, then replaced");
        }
    }

    @Test
    void aCheckpointMixedFromTwoWritesIsRefusedNamingTheFiles(@TempDir Path tmp) throws IOException {
        Path a = tmp.resolve("a/model.ckpt");
        Path b = tmp.resolve("b/model.ckpt");
        Files.createDirectories(a.getParent());
        Files.createDirectories(b.getParent());
        TfCheckpointWriter.write(OLD, a, TfCheckpointWriter.Naming.WEIGHTS_BIASES);
        TfCheckpointWriter.write(NEW, b, TfCheckpointWriter.Naming.WEIGHTS_BIASES);
        assertEquals(0, which(Models.load(a).model()));
        // The case: the new .index and .data beside the old .meta.
        for (String suffix : new String[] {".index", ".data-00000-of-00001"}) {
            Files.copy(Path.of(b + suffix), Path.of(a + suffix), StandardCopyOption.REPLACE_EXISTING);
        }
        ModelFileException e = assertThrows(ModelFileException.class, () -> Models.load(a));
        assertTrue(e.getMessage().contains("model.ckpt.meta") && e.getMessage().contains("model.ckpt.index")
                && e.getMessage().contains("different writes"), e.getMessage());
        // The new .data under the old .index: the index's per-tensor CRC32C catches it.
        TfCheckpointWriter.write(OLD, a, TfCheckpointWriter.Naming.WEIGHTS_BIASES);
        Files.copy(Path.of(b + ".data-00000-of-00001"), Path.of(a + ".data-00000-of-00001"), StandardCopyOption.REPLACE_EXISTING);
        ModelFileException crc = assertThrows(ModelFileException.class, () -> Models.load(a));
        assertTrue(crc.getMessage().contains("crc"), crc.getMessage());
    }

    @Test
    void killedDuringFolderExportsTheFolderIsAlwaysTheOldOrTheNewModel(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("export");
        int[] seen = new int[2];
        Random random = new Random(12);
        int restored = 0;
        for (int round = 0; round < ROUNDS; round++) {
            killDuring("folder", dir, random);
            if (!Files.exists(dir)) {
                assertEquals(1, AtomicFiles.interruptedReplacements(dir).size(), "killed between the renames: named");
                restored++;
                continue; // the next child's first write puts the old folder back
            }
            int w = which(Models.load(dir).model());
            assertTrue(w >= 0, "round " + round + ": the folder loads as one of the two models, not a mix");
            seen[w]++;
        }
        System.out.printf("folder exports killed %d times: old %d, new %d, between the renames %d%n", ROUNDS, seen[0],
                seen[1], restored);
    }

    @Test
    void killedDuringInPlaceWritesAPrefixLoadsAsOneModelOrIsRefused(@TempDir Path tmp) throws Exception {
        Path prefix = tmp.resolve("model.ckpt");
        Random random = new Random(13);
        int refused = 0;
        int loaded = 0;
        for (int round = 0; round < ROUNDS; round++) {
            killDuring("prefix", prefix, random);
            try {
                assertTrue(which(Models.load(prefix).model()) >= 0, "round " + round + ": loads as one of the two models");
                loaded++;
            } catch (ModelFileException e) {
                refused++; // a mixed set, refused with the files named
                assertTrue(e.getMessage().contains("model.ckpt"), e.getMessage());
            }
        }
        System.out.printf("in-place writes killed %d times: loaded as one model %d, refused as mixed %d%n", ROUNDS, loaded,
                refused);
    }

    /** Runs {@link ExportLoopMain} until it has exported twice, lets it run a random moment longer, kills it with SIGKILL. */
    private static void killDuring(String mode, Path target, Random random) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                ExportLoopMain.class.getName(), mode, target.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            if (!"ready".equals(line)) {
                fail("child did not start: " + line + "\n" + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            Thread.sleep(5 + random.nextInt(200));
        } finally {
            p.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no finally blocks
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "child did not die");
        }
    }

    private static long deadPid() {
        for (long pid = 4_000_000; ; pid++) {
            if (ProcessHandle.of(pid).isEmpty()) {
                return pid;
            }
        }
    }
}
