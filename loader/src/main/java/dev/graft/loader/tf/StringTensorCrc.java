package dev.graft.loader.tf;

import dev.graft.loader.ModelFileException;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The checksum TensorFlow's BundleWriter records for a DT_STRING tensor. The shard holds
 * {@code [varint64 length]* [4-byte masked crc of the lengths] [string bytes]*}; the recorded crc covers
 * each length as a little-endian uint32 (not the varint bytes), then the 4 stored checksum bytes, then
 * the string bytes. The lengths' own checksum is verified too.
 */
final class StringTensorCrc {

    private StringTensorCrc() {
    }

    static int masked(Path shard, String name, byte[] data, long elements) throws ModelFileException {
        CRC32C whole = new CRC32C();
        CRC32C lengths = new CRC32C();
        int pos = 0;
        long total = 0;
        byte[] le = new byte[4];
        for (long i = 0; i < elements; i++) {
            long len = 0;
            int shift = 0;
            while (true) {
                if (pos >= data.length || shift > 63) {
                    throw new ModelFileException(shard, name, "string tensor: length " + i + " runs past the data");
                }
                int b = data[pos++] & 0xFF;
                len |= (long) (b & 0x7F) << shift;
                shift += 7;
                if ((b & 0x80) == 0) {
                    break;
                }
            }
            if (len < 0 || len > data.length) {
                throw new ModelFileException(shard, name, "string tensor: element " + i + " claims " + len + " bytes");
            }
            total += len;
            for (int k = 0; k < 4; k++) {
                le[k] = (byte) (len >>> (8 * k));
            }
            whole.update(le, 0, 4);
            lengths.update(le, 0, 4);
        }
        if (pos + 4 + total != data.length) {
            throw new ModelFileException(shard, name, "string tensor: lengths add up to " + (pos + 4 + total)
                    + " bytes but the entry has " + data.length);
        }
        int storedLengthsCrc = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8 | (data[pos + 2] & 0xFF) << 16
                | (data[pos + 3] & 0xFF) << 24;
        if (storedLengthsCrc != Crc32c.mask((int) lengths.getValue())) {
            throw new ModelFileException(shard, name, "string tensor: crc of the string lengths does not match");
        }
        whole.update(data, pos, data.length - pos);
        return Crc32c.mask((int) whole.getValue());
    }
}
