package dev.graft.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading across mapping segments, as files above 1 GiB do, with small segments. */
class MappedFeaturesTest {

    @TempDir
    Path dir;

    @Test
    void rowsSpanningSegmentsReadBackExactly() throws Exception {
        int rows = 10;
        int cols = 3;
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.5f - 3;
        }
        String key = "ab".repeat(32);
        Path file = dir.resolve(key + CacheFile.SUFFIX);
        CacheFile.Writer w = CacheFile.create(file, key, Storage.FP32, rows, cols);
        w.write(values, 0, 4);
        w.write(values, 12, 6);
        w.commit();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MappedFeatures m = MappedFeatures.map(ch, file, Storage.FP32, rows, cols, 3L * cols * Float.BYTES);
            float[] got = new float[7 * cols];
            m.copyRows(2, 7, got, 0);
            float[] want = new float[7 * cols];
            System.arraycopy(values, 2 * cols, want, 0, want.length);
            assertArrayEquals(want, got);
            assertEquals(CacheFile.open(file, key, Storage.FP32, rows, cols).checksum(), m.checksum());
            assertThrows(IndexOutOfBoundsException.class, () -> m.copyRows(8, 3, new float[9], 0));
        }
    }

    @Test
    void incompleteEntryCannotBeCommitted() throws Exception {
        String key = "cd".repeat(32);
        CacheFile.Writer w = CacheFile.create(dir.resolve(key + CacheFile.SUFFIX), key, Storage.FP16, 4, 2);
        w.write(new float[] {1, 2, 3, 4}, 0, 2);
        assertThrows(IllegalStateException.class, w::commit);
        w.abort();
        try (var files = java.nio.file.Files.list(dir)) {
            assertEquals(0, files.count(), "abort removes the temporary file");
        }
    }
}
