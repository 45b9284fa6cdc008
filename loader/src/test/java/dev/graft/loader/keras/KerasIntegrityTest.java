package dev.graft.loader.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.loader.Bytes;
import dev.graft.loader.ModelFileException;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, items 3 and 5: a {@code .keras} entry whose bytes do not match its CRC-32 is refused; an HDF5
 * soft link cycle is a {@link ModelFileException} naming the link (it was a {@code StackOverflowError});
 * a weight dataset of the wrong type or an impossible size is named with what was expected.
 */
class KerasIntegrityTest {

    private static final String CONFIG = """
            {"class_name": "Sequential", "config": {"name": "s", "layers": [
              {"class_name": "InputLayer", "config": {"batch_shape": [null, 3], "name": "in"}},
              {"class_name": "Dense", "config": {"name": "dense", "units": 4, "activation": "relu", "use_bias": true}}
            ]}}""";

    /** A Keras legacy .h5 whose only layer's kernel is {@code kernel}. */
    private static byte[] h5(Path tmp, Object kernel) throws Exception {
        Path file = tmp.resolve("w.h5");
        try (WritableHdfFile h5 = HdfFile.write(file)) {
            h5.putAttribute("model_config", CONFIG);
            WritableGroup dense = h5.putGroup("model_weights").putGroup("dense");
            dense.putAttribute("weight_names", new String[] {"dense/kernel", "dense/bias"});
            WritableGroup v = dense.putGroup("dense");
            v.putDataset("kernel", kernel);
            v.putDataset("bias", new float[] {1, 2, 3, 4});
            h5.putGroup("e").putDataset("k", new float[] {1});
        }
        return Files.readAllBytes(file);
    }

    private static final float[][] KERNEL = {{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}};

    @Test
    void softLinkCycleIsAnErrorNamingTheLink(@TempDir Path tmp) throws Exception {
        byte[] good = h5(tmp, KERNEL);
        Path file = tmp.resolve("cycle.h5");
        Files.write(file, good);
        assertEquals(4, KerasReader.readH5(file).model().outputWidth());
        // /e -> /e/k refers to itself through its own path; model_weights/dense -> /e walks into it.
        Files.write(file, Hdf5Patch.softLink(Hdf5Patch.softLink(good, "e", "/e/k"), "dense", "/e"));
        ModelFileException e = assertThrows(ModelFileException.class, () -> KerasReader.readH5(file));
        assertTrue(e.getMessage().contains("cycle.h5") && e.getMessage().contains("[/e]")
                && e.getMessage().contains("soft link cycle"), e.getMessage());
        // A link to itself, directly.
        Files.write(file, Hdf5Patch.softLink(good, "dense", "dense"));
        assertThrows(ModelFileException.class, () -> KerasReader.readH5(file));
    }

    @Test
    void aDatasetOfTheWrongTypeOrSizeIsNamed(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("ints.h5");
        Files.write(file, h5(tmp, new int[][] {{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}}));
        ModelFileException e = assertThrows(ModelFileException.class, () -> KerasReader.readH5(file));
        assertTrue(e.getMessage().contains("[model_weights/dense/dense/kernel]") && e.getMessage().contains("Java type int")
                && e.getMessage().contains("expected float32 or float64"), e.getMessage());
        Path huge = tmp.resolve("huge.h5");
        Files.write(huge, Hdf5Patch.dims(h5(tmp, KERNEL), new long[] {3, 4}, new long[] {3, 1L << 30}));
        e = assertThrows(ModelFileException.class, () -> KerasReader.readH5(huge));
        assertTrue(e.getMessage().contains("[model_weights/dense/dense/kernel]") && e.getMessage().contains("[3, 1073741824]")
                && e.getMessage().contains("expected a float32 kernel"), e.getMessage());
    }

    @Test
    void hdf5ChecksumsAreVerifiedWhereTheFileHasThem(@TempDir Path tmp) throws Exception {
        // jhdf writes version-2 object headers, which carry a checksum; the config attribute lives in the root's.
        byte[] good = h5(tmp, KERNEL);
        byte[] bad = good.clone();
        bad[Bytes.find(bad, "\"relu\"".getBytes(StandardCharsets.US_ASCII)) + 1] ^= 0x04; // relu -> velu
        Path file = tmp.resolve("flipped.h5");
        Files.write(file, bad);
        ModelFileException e = assertThrows(ModelFileException.class, () -> KerasReader.readH5(file));
        Throwable cause = e;
        while (cause.getCause() != null && !(cause instanceof io.jhdf.exceptions.HdfChecksumMismatchException)) {
            cause = cause.getCause();
        }
        assertTrue(cause instanceof io.jhdf.exceptions.HdfChecksumMismatchException, e.toString());
        assertTrue(e.getMessage().contains("flipped.h5"), e.getMessage());
    }

    @Test
    void bytesInsertedOrAppendedToAnHdf5FileAreDetected(@TempDir Path tmp) throws Exception {
        byte[] good = h5(tmp, KERNEL);
        Path file = tmp.resolve("longer.h5");
        // Four bytes into the last dataset (the bias): without the length check the bias would shift silently.
        byte[] longer = new byte[good.length + 4];
        System.arraycopy(good, 0, longer, 0, good.length - 8);
        System.arraycopy(good, good.length - 8, longer, good.length - 4, 8);
        Files.write(file, longer);
        ModelFileException e = assertThrows(ModelFileException.class, () -> KerasReader.readH5(file));
        assertTrue(e.getMessage().contains("longer.h5") && e.getMessage().contains("superblock says it ends at byte "
                + good.length), e.getMessage());
        Files.write(file, java.util.Arrays.copyOf(good, good.length + 1));
        assertThrows(ModelFileException.class, () -> KerasReader.readH5(file));
    }

    @Test
    void aKerasArchiveEntryIsCheckedAgainstItsCrc(@TempDir Path tmp) throws Exception {
        byte[] weights;
        Path w = tmp.resolve("model.weights.h5");
        try (WritableHdfFile h5 = HdfFile.write(w)) {
            WritableGroup vars = h5.putGroup("layers").putGroup("dense").putGroup("vars");
            vars.putDataset("0", KERNEL);
            vars.putDataset("1", new float[] {1, 2, 3, 4});
        }
        weights = Files.readAllBytes(w);
        Path keras = tmp.resolve("m.keras");
        write(keras, weights);
        assertEquals(4, KerasReader.readArchive(keras).model().outputWidth());
        // Flip the low bit of the kernel's last float (12f): a stored entry would otherwise read as different weights.
        byte[] twelve = {0, 0, 0x40, 0x41};
        int at = Bytes.find(weights, twelve);
        byte[] flipped = Files.readAllBytes(keras);
        int inZip = Bytes.find(flipped, weights) + at;
        flipped[inZip] ^= 1;
        Files.write(keras, flipped);
        ModelFileException e = assertThrows(ModelFileException.class, () -> KerasReader.readArchive(keras));
        assertTrue(e.getMessage().contains("m.keras") && e.getMessage().contains("[model.weights.h5]")
                && e.getMessage().contains("CRC-32"), e.getMessage());
    }

    /** A .keras zip as Keras writes it: entries stored, not deflated. */
    private static void write(Path keras, byte[] weights) throws Exception {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(keras))) {
            put(zip, "config.json", CONFIG.getBytes(StandardCharsets.UTF_8));
            put(zip, "model.weights.h5", weights);
        }
    }

    private static void put(ZipOutputStream zip, String name, byte[] data) throws Exception {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }
}
