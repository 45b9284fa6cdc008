package dev.graft.loader;

import dev.graft.data.Dataset;
import dev.graft.data.Idx;
import dev.graft.loader.data.CsvDatasets;
import dev.graft.loader.data.ImageFolders;
import java.io.IOException;
import java.nio.file.Path;

/** Dataset entry points for the CLI: CSV, image folders (here) and IDX (the API's reader, exposed as is). */
public final class Datasets {

    private Datasets() {
    }

    /** A CSV file; see {@link CsvDatasets}. */
    public static Dataset csv(Path file, CsvDatasets.Options options) throws IOException {
        return CsvDatasets.read(file, options);
    }

    /** An IDX image file and its label file (MNIST / Fashion-MNIST, gzip or not). */
    public static Dataset idx(Path images, Path labels, int classes) throws IOException {
        return Idx.read(images, labels, classes);
    }

    /** {@code <dir>/<prefix>-images-idx3-ubyte[.gz]} and its labels, e.g. prefix {@code train} or {@code t10k}. */
    public static Dataset idx(Path dir, String prefix, int classes) throws IOException {
        return Idx.readSplit(dir, prefix, classes);
    }

    /**
     * A folder of images: one subfolder per class (labelled, class names kept for reports), or images
     * directly inside (unlabelled, for prediction); see {@link ImageFolders}.
     */
    public static ImageFolders.ImageDataset images(Path dir, ImageFolders.Options options) throws IOException {
        return ImageFolders.isFlat(dir) ? ImageFolders.unlabelled(dir, options) : ImageFolders.labelled(dir, options);
    }
}
