package dev.graft.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX files with a wrong header or corrupt gzip are refused with the file and what was found (issue 12, item 6). */
class IdxTest {

    static byte[] idx(int magic, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(data).array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(raw);
        }
        return out.toByteArray();
    }

    @Test
    void aMagicNumberThatMisstatesTheDimensionsNamesFileAndMagic(@TempDir Path tmp) throws IOException {
        byte[] pixels = new byte[3 * 2 * 2];
        java.util.Arrays.fill(pixels, (byte) 7);
        Path labels = Files.write(tmp.resolve("labels"), idx(0x801, new int[] {3}, new byte[] {0, 1, 2}));
        Path good = Files.write(tmp.resolve("good"), idx(0x803, new int[] {3, 2, 2}, pixels));
        assertArrayEquals(new int[] {0, 1, 2}, Idx.read(good, labels, 10).labels());
        // The case: magic 0x804 makes the reader take pixel bytes for a fourth dimension.
        byte[] bytes = Files.readAllBytes(good);
        bytes[3] = 4;
        Path bad = Files.write(tmp.resolve("bad"), bytes);
        IOException e = assertThrows(IOException.class, () -> Idx.read(bad, labels, 10));
        assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("magic 0x00000804")
                && e.getMessage().contains("0x00000803"), e.getMessage());
        java.util.Arrays.fill(bytes, 16, bytes.length, (byte) 0); // black pixels: the fourth dimension reads as 0
        Path zeros = Files.write(tmp.resolve("zeros"), bytes);
        IOException z = assertThrows(IOException.class, () -> Idx.read(zeros, labels, 10));
        assertTrue(z.getMessage().contains(zeros.toString()) && z.getMessage().contains("magic 0x00000804"), z.getMessage());
        IOException swapped = assertThrows(IOException.class, () -> Idx.read(labels, good, 10));
        assertTrue(swapped.getMessage().contains(labels.toString()) && swapped.getMessage().contains("labels file"),
                swapped.getMessage());
    }

    @Test
    void aCorruptGzipTrailerNamesTheFile(@TempDir Path tmp) throws IOException {
        Path labels = Files.write(tmp.resolve("labels.gz"), gzip(idx(0x801, new int[] {2}, new byte[] {0, 1})));
        byte[] z = gzip(idx(0x803, new int[] {2, 2, 2}, new byte[8]));
        z[z.length - 5] ^= 1; // the CRC-32 in the trailer
        Path images = Files.write(tmp.resolve("images.gz"), z);
        IOException e = assertThrows(IOException.class, () -> Idx.read(images, labels, 2));
        assertTrue(e.getMessage().startsWith(images + ": corrupt gzip data"), e.getMessage());
    }
}
