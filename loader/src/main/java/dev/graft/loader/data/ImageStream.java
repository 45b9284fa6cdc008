package dev.graft.loader.data;

import dev.graft.cache.FeatureSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * An image folder read on demand, for sets larger than memory: a {@link FeatureSource} whose rows
 * are decoded (and normalised by the preset) when read, never held. Give it to
 * {@code DiskCache.featurize(prefix, stream, stream.fingerprint(), stream.preprocessingId(), ...)}:
 * the images are then decoded once, while the features are written, and later runs read the cache.
 *
 * <p>{@link #fingerprint()} hashes every file's bytes in row order (reading, not decoding, them), so
 * a changed, added or removed image gives another cache entry.
 */
public final class ImageStream implements FeatureSource {

    private final Listing listing;
    private final ImageFolders.Options options;
    private final ImageDecoder decoder;
    private final int rowWidth;
    private final float[] divisor;
    private final float[] subtract;
    private String fingerprint;

    private ImageStream(Listing listing, ImageFolders.Options options) {
        if (options.height() <= 0) {
            throw new IllegalArgumentException("a streamed image folder needs an image size (every row must have the same width)");
        }
        if (options.skipUnreadable()) {
            throw new IllegalArgumentException("skipUnreadable is not available when streaming: the rows are fixed before decoding");
        }
        this.listing = listing;
        this.options = options;
        this.decoder = new ImageDecoder(options);
        this.rowWidth = options.height() * options.width() * options.channels();
        this.divisor = options.preprocessing().divisor(options.channels());
        this.subtract = options.preprocessing().subtract(options.channels());
    }

    /** A class-folder tree, streamed. */
    public static ImageStream labelled(Path dir, ImageFolders.Options options) throws IOException {
        return new ImageStream(Listing.labelled(dir), options);
    }

    /** A flat folder, streamed. */
    public static ImageStream unlabelled(Path dir, ImageFolders.Options options) throws IOException {
        return new ImageStream(Listing.flat(dir), options);
    }

    /** Each row's class (null for a flat folder). */
    public int[] labels() {
        return listing.labels() == null ? null : listing.labels().clone();
    }

    /** The class names, index = label. */
    public List<String> classNames() {
        return listing.classNames();
    }

    /** The files in row order. */
    public List<Path> files() {
        return listing.files();
    }

    /** The decoding settings as text: the cache key's preprocessing id. */
    public String preprocessingId() {
        return options.id();
    }

    /** SHA-256 of every file's bytes in row order; computed once. */
    public synchronized String fingerprint() {
        if (fingerprint == null) {
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                byte[] buffer = new byte[1 << 16];
                for (Path f : listing.files()) {
                    md.update(("|" + Files.size(f) + "|").getBytes(StandardCharsets.UTF_8));
                    try (InputStream in = new DigestInputStream(Files.newInputStream(f), md)) {
                        while (in.read(buffer) >= 0) {
                            // digesting
                        }
                    }
                }
                fingerprint = HexFormat.of().formatHex(md.digest());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + listing.root() + " to fingerprint it: " + e.getMessage(), e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return fingerprint;
    }

    @Override
    public int size() {
        return listing.files().size();
    }

    @Override
    public int width() {
        return rowWidth;
    }

    @Override
    public void copyRows(int from, int rows, float[] dst, int offset) {
        byte[] bytes = new byte[rowWidth];
        int channels = divisor.length;
        for (int r = 0; r < rows; r++) {
            Path file = listing.files().get(from + r);
            try {
                decoder.decodeInto(file, bytes, 0, new int[] {options.height(), options.width()});
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
            int at = offset + r * rowWidth;
            for (int j = 0; j < rowWidth; j++) {
                int c = j % channels;
                dst[at + j] = (bytes[j] & 0xFF) / divisor[c] - subtract[c];
            }
        }
    }

    @Override
    public String toString() {
        return "images streamed from " + listing.root();
    }
}
