package dev.graft.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files (the MNIST / Fashion-MNIST format), gzip-compressed or not: unsigned-byte
 * tensors behind a big-endian header. Images are presented as floats in [0, 1] ({@code v / 255})
 * but kept as bytes ({@link Dataset#wrapPixels}): a quarter of the memory.
 */
public final class Idx {

    private static final int UNSIGNED_BYTE = 0x08;

    private Idx() {
    }

    /**
     * Reads an image file and its label file into a classification dataset with pixel values in
     * [0, 1] and {@code classes} classes.
     *
     * @throws IOException naming the file when it is truncated, not IDX, or the counts disagree
     */
    public static Dataset read(Path images, Path labels, int classes) throws IOException {
        Tensor img = readTensor(images);
        Tensor lab = readTensor(labels);
        if (img.dims.length < 2) {
            throw new IOException(images + ": expected an image tensor (>= 2 dimensions, magic 0x00000803), found "
                    + img.dims.length + " (magic 0x0000080" + img.dims.length + ")"
                    + (img.dims.length == 1 ? ": is this the labels file?" : ""));
        }
        if (lab.dims.length != 1) {
            throw new IOException(labels + ": expected a label vector (1 dimension, magic 0x00000801), found "
                    + lab.dims.length + " (magic 0x0000080" + lab.dims.length + ")"
                    + (lab.dims.length >= 2 ? ": is this the images file?" : ""));
        }
        if (img.dims[0] != lab.dims[0]) {
            throw new IOException(images + " has " + img.dims[0] + " images but " + labels + " has " + lab.dims[0] + " labels");
        }
        int n = img.dims[0];
        int width = img.data.length / Math.max(1, n);
        if (n == 0 || width == 0) {
            throw new IOException(images + ": the header describes " + shape(img.dims) + " values: no "
                    + (n == 0 ? "images" : "pixels per image"));
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = lab.data[i] & 0xFF;
            if (y[i] >= classes) {
                throw new IOException(labels + ": label " + y[i] + " of sample " + i + " is out of range for " + classes + " classes");
            }
        }
        // The file bytes determine the dataset: key the cache on them rather than re-hashing 4 bytes per pixel.
        HexFormat hex = HexFormat.of();
        // The images' file alone keys the features, so the same images with other labels share cache entries.
        return Dataset.wrapPixels(img.data, width, y, classes).withSourceFingerprints(
                "idx-v1|scale=1/255|" + hex.formatHex(img.fileDigest),
                "idx-v1|classes=" + classes + "|" + hex.formatHex(lab.fileDigest));
    }

    /**
     * Reads an image file alone into an unlabelled dataset (pixels in [0, 1]), for prediction; its
     * feature fingerprint is the one {@link #read} gives the same file, so cached features are shared.
     *
     * @throws IOException naming the file when it is truncated or not IDX
     */
    public static Dataset readImages(Path images) throws IOException {
        Tensor img = readTensor(images);
        if (img.dims.length < 2) {
            throw new IOException(images + ": expected an image tensor (>= 2 dimensions), found " + img.dims.length);
        }
        int width = img.data.length / Math.max(1, img.dims[0]);
        return Dataset.pixelsOnly(img.data, width).withSourceFingerprints(
                "idx-v1|scale=1/255|" + HexFormat.of().formatHex(img.fileDigest), "unlabelled");
    }

    /** Reads {@code <dir>/<prefix>-images-idx3-ubyte[.gz]} and the matching labels (MNIST naming). */
    public static Dataset readSplit(Path dir, String prefix, int classes) throws IOException {
        return read(find(dir, prefix + "-images-idx3-ubyte"), find(dir, prefix + "-labels-idx1-ubyte"), classes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path find(Path dir, String base) throws IOException {
        for (Path p : new Path[] {dir.resolve(base + ".gz"), dir.resolve(base)}) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IOException("no " + base + "[.gz] in " + dir);
    }

    private static String shape(int[] dims) {
        StringBuilder b = new StringBuilder();
        for (int d : dims) {
            b.append(b.length() == 0 ? "" : "x").append(d);
        }
        return b.toString();
    }

    /** A decoded tensor and the SHA-256 of the file bytes it was read from. */
    private record Tensor(int[] dims, byte[] data, byte[] fileDigest) {
    }

    private static Tensor readTensor(Path file) throws IOException {
        MessageDigest fileDigest = sha256();
        try (InputStream raw = new BufferedInputStream(new DigestInputStream(Files.newInputStream(file), fileDigest))) {
            raw.mark(2);
            boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
            int magic = 0;
            int[] dims = new int[0];
            try (DataInputStream in = new DataInputStream(gzip ? new GZIPInputStream(raw, 1 << 16) : raw)) {
                magic = in.readInt();
                if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xFF) != UNSIGNED_BYTE || (magic & 0xFF) == 0 || (magic & 0xFF) > 4) {
                    throw new IOException(file + ": not an unsigned-byte IDX file (magic 0x" + Integer.toHexString(magic) + ")");
                }
                dims = new int[magic & 0xFF];
                long total = 1;
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = in.readInt();
                    if (dims[i] < 0) {
                        throw new IOException(file + ": negative dimension " + dims[i]);
                    }
                    total *= dims[i];
                }
                if (total > Integer.MAX_VALUE - 8) {
                    throw new IOException(file + ": " + total + " values do not fit in memory as one array");
                }
                byte[] data = new byte[(int) total];
                in.readFully(data);
                if (in.read() != -1) {
                    throw new IOException(String.format("%s: more bytes follow the %s tensor that the header (magic 0x%08x) "
                            + "describes: the header is wrong or this is not an IDX file (images have magic 0x00000803, "
                            + "labels 0x00000801)", file, shape(dims), magic));
                }
                return new Tensor(dims, data, fileDigest.digest());
            } catch (EOFException e) {
                throw new IOException(String.format("%s: truncated: the file ends before the %s values its header (magic "
                        + "0x%08x) describes; the file is cut short, or the header is wrong (images have magic 0x00000803, "
                        + "labels 0x00000801)", file, dims.length == 0 ? "header's" : shape(dims), magic), e);
            } catch (ZipException e) {
                throw new IOException(file + ": corrupt gzip data (" + e.getMessage() + "); download or unpack the file again", e);
            }
        }
    }
}
