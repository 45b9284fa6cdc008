package dev.graft.loader.data;

import dev.graft.data.Dataset;
import dev.graft.loader.ModelFileException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Image datasets from folders, as Keras' {@code image_dataset_from_directory} reads them: a directory
 * with one subfolder per class (class {@code k} is the {@code k}-th subfolder name in sorted order,
 * images found at any depth below it, in sorted path order), or a flat folder of images to predict
 * on. Files ending {@code .png .jpg .jpeg .bmp .gif} (any case) are read; others are ignored.
 *
 * <p>Images are decoded on several threads into one byte array (the order is the files' order,
 * whatever the thread count), kept as bytes ({@code height × width × channels}, channels last) and
 * presented as floats by the chosen {@link ImagePreprocessing} preset as rows are read. A file that
 * cannot be decoded is an error naming it, or, with {@link Options#skipUnreadable}, left out and
 * listed in {@link ImageDataset#skipped()}. For sets larger than memory see {@link ImageStream}.
 */
public final class ImageFolders {

    static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");

    private ImageFolders() {
    }

    /** A file that was left out and why. */
    public record Skipped(Path file, String reason) {
    }

    /**
     * Decoded images with their labels: the dataset, the class names (index = label; empty when
     * unlabelled), the stored image shape and the files in row order.
     */
    public record ImageDataset(Dataset data, List<String> classNames, int height, int width, int channels,
                               List<Path> files, List<Skipped> skipped) {
        /** One line for reports: images, classes, shape, skipped files. */
        public String summary() {
            return data.size() + " images of " + height + "x" + width + "x" + channels
                    + (classNames.isEmpty() ? ", unlabelled" : " in " + classNames.size() + " classes " + classNames)
                    + (skipped.isEmpty() ? "" : ", " + skipped.size() + " unreadable file(s) skipped");
        }
    }

    /** Reads a class-folder tree ({@code dir/<class>/<image>}). */
    public static ImageDataset labelled(Path dir, Options options) throws IOException {
        Listing listing = Listing.labelled(dir);
        return decode(listing, options);
    }

    /** Reads a flat folder of images (no labels), for prediction. */
    public static ImageDataset unlabelled(Path dir, Options options) throws IOException {
        return decode(Listing.flat(dir), options);
    }

    /** Whether {@code dir} holds image files directly (a flat, unlabelled folder) rather than class subfolders. */
    public static boolean isFlat(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> Files.isRegularFile(p) && isImage(p));
        }
    }

    static boolean isImage(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return !name.startsWith(".") && EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    private static ImageDataset decode(Listing listing, Options options) throws IOException {
        List<Path> files = listing.files();
        int[] shape = firstShape(files, options);
        int h = options.height() > 0 ? options.height() : shape[0];
        int w = options.width() > 0 ? options.width() : shape[1];
        int rowWidth = Math.multiplyExact(Math.multiplyExact(h, w), options.channels());
        byte[] pixels = new byte[Math.multiplyExact(rowWidth, files.size())];
        String[] failures = new String[files.size()];
        ImageDecoder decoder = new ImageDecoder(options);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(options.threads(), files.size())), r -> {
            Thread t = new Thread(r, "graft-image-decode");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int i = 0; i < files.size(); i++) {
                int row = i;
                jobs.add(pool.submit(() -> {
                    try {
                        decoder.decodeInto(files.get(row), pixels, row * rowWidth, shape);
                    } catch (ModelFileException e) {
                        failures[row] = e.getMessage();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return null;
                }));
            }
            for (Future<?> job : jobs) {
                job.get();
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("decoding images failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while decoding images", e);
        } finally {
            pool.shutdownNow();
        }
        return assemble(listing, options, h, w, rowWidth, pixels, failures);
    }

    private static ImageDataset assemble(Listing listing, Options options, int h, int w, int rowWidth, byte[] pixels,
                                         String[] failures) throws IOException {
        List<Path> files = listing.files();
        List<Skipped> skipped = new ArrayList<>();
        List<Path> kept = new ArrayList<>();
        int[] keptLabels = new int[files.size()];
        int n = 0;
        for (int i = 0; i < files.size(); i++) {
            if (failures[i] != null) {
                if (!options.skipUnreadable()) {
                    throw new ModelFileException(files.get(i), failures[i].substring(failures[i].indexOf(": ") + 2)
                            + " (skip unreadable images with --skip-unreadable / Options.skipUnreadable)");
                }
                skipped.add(new Skipped(files.get(i), failures[i]));
                continue;
            }
            if (n != i) {
                System.arraycopy(pixels, i * rowWidth, pixels, n * rowWidth, rowWidth);
            }
            kept.add(files.get(i));
            keptLabels[n++] = listing.labels() == null ? 0 : listing.labels()[i];
        }
        if (n == 0) {
            throw new ModelFileException(listing.root(), "none of its " + files.size() + " image files could be decoded");
        }
        byte[] data = n == files.size() ? pixels : Arrays.copyOf(pixels, n * rowWidth);
        int c = options.channels();
        ImagePreprocessing p = options.preprocessing();
        int[] labels = listing.labels() == null ? null : Arrays.copyOf(keptLabels, n);
        Dataset dataset = Dataset.wrapImages(data, rowWidth, p.divisor(c), p.subtract(c), labels,
                Math.max(2, listing.classNames().size()));
        return new ImageDataset(dataset, listing.classNames(), h, w, c, List.copyOf(kept), List.copyOf(skipped));
    }

    /** The first decodable image's shape, when no size is given (every image must then have it). */
    private static int[] firstShape(List<Path> files, Options options) throws IOException {
        if (options.height() > 0) {
            return new int[] {options.height(), options.width()};
        }
        ModelFileException first = null;
        for (Path f : files) {
            try {
                return ImageDecoder.shape(f);
            } catch (ModelFileException e) {
                if (!options.skipUnreadable()) {
                    throw e;
                }
                first = first == null ? e : first;
            }
        }
        throw Objects.requireNonNull(first);
    }

    /**
     * How images are read. Defaults: keep each image's size (all must be equal), bilinear resizing,
     * no crop, RGB, {@link ImagePreprocessing#SCALE}, one thread per core, unreadable files are errors.
     */
    public record Options(int height, int width, ImageResize.Method resize, boolean cropToAspectRatio, int channels,
                          ImagePreprocessing preprocessing, int threads, boolean skipUnreadable) {

        public Options {
            if ((height > 0) != (width > 0)) {
                throw new IllegalArgumentException("give both height and width, or neither (got " + height + "x" + width + ")");
            }
            if (channels != 1 && channels != 3) {
                throw new IllegalArgumentException("channels must be 1 (grayscale) or 3 (RGB), got " + channels);
            }
            Objects.requireNonNull(resize, "resize");
            preprocessing.divisor(channels);
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            }
        }

        /** The defaults. */
        public static Options defaults() {
            return new Options(0, 0, ImageResize.Method.BILINEAR, false, 3, ImagePreprocessing.SCALE,
                    Runtime.getRuntime().availableProcessors(), false);
        }

        public Options size(int h, int w) { return new Options(h, w, resize, cropToAspectRatio, channels, preprocessing, threads, skipUnreadable); }

        public Options resize(ImageResize.Method m) { return new Options(height, width, m, cropToAspectRatio, channels, preprocessing, threads, skipUnreadable); }

        /** Centre-crops each image to the target's aspect ratio before resizing (Keras' {@code crop_to_aspect_ratio}). */
        public Options cropToAspectRatio(boolean crop) { return new Options(height, width, resize, crop, channels, preprocessing, threads, skipUnreadable); }

        public Options grayscale(boolean gray) { return new Options(height, width, resize, cropToAspectRatio, gray ? 1 : 3, preprocessing, threads, skipUnreadable); }

        public Options preprocessing(ImagePreprocessing p) { return new Options(height, width, resize, cropToAspectRatio, channels, p, threads, skipUnreadable); }

        public Options threads(int t) { return new Options(height, width, resize, cropToAspectRatio, channels, preprocessing, t, skipUnreadable); }

        /** Leaves undecodable files out (listed in {@link ImageDataset#skipped()}) instead of failing. */
        public Options skipUnreadable(boolean skip) { return new Options(height, width, resize, cropToAspectRatio, channels, preprocessing, threads, skip); }

        /**
         * Everything that changes the stored values, as text (not the thread count or skipping, which do
         * not): part of a streamed source's cache key.
         */
        public String id() {
            return "images-v1|" + height + "x" + width + "|" + resize + "|crop=" + cropToAspectRatio + "|channels=" + channels
                    + "|" + preprocessing;
        }
    }
}
