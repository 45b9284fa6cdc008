package dev.graft.loader.keras;

import dev.graft.loader.ModelFileException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads one entry of a {@code .keras} zip and checks it against the archive's own integrity data: the
 * size and CRC-32 the central directory records. {@link ZipFile} inflates without checking either, so a
 * flipped byte in a stored (uncompressed) entry, as Keras writes {@code model.weights.h5}, would
 * otherwise be read as different weights.
 */
final class ArchiveEntries {

    static final long MAX_ENTRY = 1L << 31;

    private ArchiveEntries() {
    }

    static byte[] read(Path file, ZipFile zip, String name) throws ModelFileException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            throw new ModelFileException(file, name, ".keras archive has no " + name);
        }
        if (e.getSize() > MAX_ENTRY || e.getSize() < 0) {
            throw new ModelFileException(file, name, "entry of " + e.getSize() + " bytes is too large (or damaged)");
        }
        byte[] bytes;
        try (InputStream in = zip.getInputStream(e)) {
            bytes = in.readNBytes((int) Math.min(MAX_ENTRY, e.getSize() + 1));
        } catch (IOException | RuntimeException ex) {
            throw new ModelFileException(file, name, "cannot read the zip entry (damaged archive): " + ex.getMessage(), ex);
        }
        if (bytes.length != e.getSize()) {
            throw new ModelFileException(file, name, "zip entry gave " + bytes.length + " bytes, the archive says "
                    + e.getSize() + " (damaged archive)");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes);
        if (e.getCrc() == -1 || crc.getValue() != e.getCrc()) {
            throw new ModelFileException(file, name, String.format("zip entry CRC-32 mismatch: the archive says %08x, "
                    + "the data gives %08x (damaged archive)", e.getCrc(), crc.getValue()));
        }
        return bytes;
    }
}
