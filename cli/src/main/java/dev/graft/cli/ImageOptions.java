package dev.graft.cli;

import dev.graft.data.Augmentation;
import dev.graft.data.Dataset;
import dev.graft.loader.data.ImageFolders;
import dev.graft.loader.data.ImagePreprocessing;
import dev.graft.loader.data.ImageResize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * How an image folder given to {@code --data} is read ({@code --image-size}, {@code --preprocess},
 * {@code --grayscale}, ...) and how training images are augmented ({@code --augment},
 * {@code --views}). Part of {@link DataOptions}.
 */
final class ImageOptions {

    @Option(names = "--image-size", paramLabel = "N|HxW",
            description = "Image folders: resize every image to N x N (or H x W) pixels (default: keep the size; all images must then match).")
    String imageSize;

    @Option(names = "--preprocess", paramLabel = "NAME", defaultValue = "scale",
            description = "Image folders: scale ([0,1]), mobilenet or tf ([-1,1]), caffe (BGR minus the ImageNet mean: ResNet50, VGG) "
                    + "or raw (0..255) (default: ${DEFAULT-VALUE}).")
    String preprocess;

    @Option(names = "--grayscale", description = "Image folders: one gray channel instead of RGB.")
    boolean grayscale;

    @Option(names = "--resize", paramLabel = "METHOD", defaultValue = "bilinear",
            description = "Image folders: bilinear or area, as tf.image.resize (default: ${DEFAULT-VALUE}).")
    String resize;

    @Option(names = "--crop", description = "Image folders: centre-crop each image to the target aspect ratio before resizing.")
    boolean crop;

    @Option(names = "--skip-unreadable", description = "Image folders: leave out files that cannot be decoded (counted in the report) instead of failing.")
    boolean skipUnreadable;

    @Option(names = "--augment", paramLabel = "KIND[=V],...", split = ",",
            description = "Augment training images: flip, crop or shift[=fraction, 0.1], rotate[=degrees, 10], "
                    + "brightness[=fraction of the value range, 0.1], contrast[=0.2].")
    String[] augment;

    @Option(names = "--views", paramLabel = "K", defaultValue = "1",
            description = "Augmented views cached per training image; each epoch trains on one (default: ${DEFAULT-VALUE}).")
    int views;

    /** The decoded folder's summary line, once read; null for other data. */
    String summary;
    /** The decoded folder's files in row order, relative to the folder; null for other data. */
    java.util.List<String> files;
    /** The decoded folder's class names (index = label); null for other data. */
    java.util.List<String> classNames;
    private int[] shape;
    private float valueRange = 1f;

    /** Whether {@code path} is an image folder (a directory that is not an MNIST-style IDX directory). */
    static boolean isImageFolder(Path path) {
        return Files.isDirectory(path) && !Files.exists(path.resolve("train-images-idx3-ubyte.gz"))
                && !Files.exists(path.resolve("train-images-idx3-ubyte")) && !Files.exists(path.resolve("t10k-images-idx3-ubyte.gz"))
                && !Files.exists(path.resolve("t10k-images-idx3-ubyte"));
    }

    ImageFolders.Options options() {
        ImageFolders.Options o = ImageFolders.Options.defaults();
        try {
            if (imageSize != null) {
                String[] parts = imageSize.toLowerCase(Locale.ROOT).split("x");
                int h = Integer.parseInt(parts[0].trim());
                int w = parts.length > 1 ? Integer.parseInt(parts[1].trim()) : h;
                if (parts.length > 2 || h < 1 || w < 1) {
                    throw new NumberFormatException();
                }
                o = o.size(h, w);
            }
        } catch (NumberFormatException e) {
            throw new CliException("--image-size " + imageSize + " is not a size", "give N (square) or HxW, e.g. 96 or 96x128");
        }
        try {
            ImagePreprocessing p = ImagePreprocessing.parse(preprocess);
            return o.preprocessing(p).grayscale(grayscale).cropToAspectRatio(crop).skipUnreadable(skipUnreadable)
                    .resize(ImageResize.Method.valueOf(resize.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage().startsWith("No enum") ? "--resize " + resize + " is not a method" : e.getMessage(),
                    "--resize takes bilinear or area; --preprocess scale, mobilenet, tf, caffe or raw");
        }
    }

    /** Reads a labelled class-folder tree (or, for prediction, a flat folder) and remembers its shape for augmentation. */
    Dataset read(Path dir, boolean primary) throws IOException {
        ImageFolders.Options o = options();
        ImageFolders.ImageDataset images = ImageFolders.isFlat(dir) ? ImageFolders.unlabelled(dir, o) : ImageFolders.labelled(dir, o);
        if (primary) {
            summary = dir + ": " + images.summary();
            classNames = images.classNames().isEmpty() ? null : images.classNames();
            files = images.files().stream().map(f -> dir.relativize(f).toString()).toList();
            shape = new int[] {images.height(), images.width(), images.channels()};
            valueRange = 255f / o.preprocessing().divisor(o.channels())[0];
        }
        return images.data();
    }

    /** Notes the shape of square gray IDX images (MNIST style) for augmentation. */
    void idxShape(Dataset data) {
        int side = (int) Math.round(Math.sqrt(data.width()));
        if (shape == null && side * side == data.width()) {
            shape = new int[] {side, side, 1};
        }
    }

    /** The augmentation {@code --augment} asks for, or null. */
    Augmentation augmentation(long seed) {
        if (views < 1) {
            throw new CliException("--views must be >= 1, got " + views, null);
        }
        if (augment == null || augment.length == 0) {
            if (views > 1) {
                throw new CliException("--views " + views + " without --augment: every view would be the same image",
                        "add --augment flip,crop (or drop --views)");
            }
            return null;
        }
        if (shape == null) {
            throw new CliException("--augment needs images (an image folder or square IDX images)", "drop --augment for tabular data");
        }
        Augmentation.Builder b = Augmentation.builder(shape[0], shape[1], shape[2]).seed(seed);
        for (String item : augment) {
            String[] kv = item.trim().toLowerCase(Locale.ROOT).split("=", 2);
            try {
                Float v = kv.length > 1 ? Float.valueOf(kv[1]) : null;
                switch (kv[0]) {
                    case "flip" -> b.flip(true);
                    case "crop", "shift" -> b.shift(v != null ? v : 0.1f);
                    case "rotate", "rotation" -> b.rotation(v != null ? v : 10f);
                    case "brightness" -> b.brightness((v != null ? v : 0.1f) * valueRange);
                    case "contrast" -> b.contrast(v != null ? v : 0.2f);
                    default -> throw new CliException("--augment: unknown kind '" + kv[0] + "'",
                            "use flip, crop (or shift), rotate, brightness, contrast, e.g. --augment flip,crop=0.1,rotate=10");
                }
            } catch (IllegalArgumentException e) {
                throw new CliException("--augment " + item + ": " + e.getMessage(), null);
            }
        }
        return b.build();
    }

    /** Refuses {@code --augment} / {@code --views} for a command that does not train. */
    void refuseAugmentation(String command) {
        if ((augment != null && augment.length > 0) || views != 1) {
            throw new CliException("graft " + command + " does not train: --augment and --views apply to transfer and train", null);
        }
    }
}
