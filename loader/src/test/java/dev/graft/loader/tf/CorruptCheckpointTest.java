package dev.graft.loader.tf;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.loader.Fixtures;
import dev.graft.loader.ModelFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged copies of a real checkpoint: each failure is a {@link ModelFileException} naming file and tensor. */
class CorruptCheckpointTest {

    private static final String SHARD = "model.ckpt.data-00000-of-00001";

    private static ModelFileException readAll(Path prefix) {
        return assertThrows(ModelFileException.class, () -> {
            TensorBundle b = TensorBundle.open(prefix);
            for (String name : b.entries().keySet()) {
                b.readBytes(name);
            }
        });
    }

    private static void assertMentions(ModelFileException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message should mention '" + p + "': " + e.getMessage());
        }
    }

    @Test
    void truncatedShardNamesShardAndTensor(@TempDir Path tmp) throws Exception {
        Path prefix = Fixtures.copyCheckpoint(Fixtures.slatteryPrefix(), tmp);
        Path shard = tmp.resolve(SHARD);
        byte[] data = Files.readAllBytes(shard);
        Files.write(shard, Arrays.copyOf(data, 50)); // Weights2 occupies bytes 36..60
        ModelFileException e = readAll(prefix);
        assertMentions(e, SHARD, "Weights2", "truncated");
    }

    @Test
    void flippedByteIsACrcMismatch(@TempDir Path tmp) throws Exception {
        Path prefix = Fixtures.copyCheckpoint(Fixtures.slatteryPrefix(), tmp);
        Path shard = tmp.resolve(SHARD);
        byte[] data = Files.readAllBytes(shard);
        data[22] ^= 0x10; // inside Weights1 (bytes 20..36)
        Files.write(shard, data);
        ModelFileException e = readAll(prefix);
        assertMentions(e, SHARD, "Weights1", "crc mismatch");
    }

    @Test
    void missingShardIsNamed(@TempDir Path tmp) throws Exception {
        Path prefix = Fixtures.copyCheckpoint(Fixtures.slatteryPrefix(), tmp);
        Files.delete(tmp.resolve(SHARD));
        ModelFileException e = readAll(prefix);
        assertMentions(e, SHARD, "Bias1", "missing data shard");
    }

    @Test
    void indexThatIsNotATable(@TempDir Path tmp) throws Exception {
        Path prefix = Fixtures.copyCheckpoint(Fixtures.slatteryPrefix(), tmp);
        Files.writeString(tmp.resolve("model.ckpt.index"), "model_checkpoint_path: \"model.ckpt\"\n".repeat(3));
        assertMentions(readAll(prefix), "model.ckpt.index", "not a TensorFlow checkpoint index");
    }

    @Test
    void flippedIndexByteFailsTheBlockCrc(@TempDir Path tmp) throws Exception {
        Path prefix = Fixtures.copyCheckpoint(Fixtures.slatteryPrefix(), tmp);
        Path index = tmp.resolve("model.ckpt.index");
        byte[] bytes = Files.readAllBytes(index);
        bytes[40] ^= 0x01;
        Files.write(index, bytes);
        assertMentions(readAll(prefix), "model.ckpt.index", "crc32c");
    }

    @Test
    void missingLatestCheckpointNamesStateFile(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("checkpoint"), "model_checkpoint_path: \"model.ckpt-999\"\n");
        ModelFileException e = assertThrows(ModelFileException.class, () -> CheckpointPaths.resolve(tmp));
        assertMentions(e, "checkpoint", "model.ckpt-999", "missing");
    }
}
