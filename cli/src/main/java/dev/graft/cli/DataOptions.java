package dev.graft.cli;

import dev.graft.data.Dataset;
import dev.graft.data.Idx;
import dev.graft.loader.Datasets;
import dev.graft.loader.data.CsvDatasets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.IntSummaryStatistics;
import java.util.Optional;
import java.util.stream.IntStream;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where the samples come from and which of them to use. {@code --data} is a CSV file, an IDX image
 * file, a directory with MNIST naming ({@code train-images-idx3-ubyte[.gz]} and its labels; its
 * {@code t10k-*} files, when present, are the test set), or an image folder (one subfolder per
 * class; read as {@link ImageOptions} says).
 */
final class DataOptions {

    /** IDX labels are bytes; read with room for any, then renumber to the classes present. */
    private static final int IDX_MAX_CLASSES = 256;

    @Option(names = "--data", paramLabel = "PATH", required = true,
            description = "A CSV file, an IDX images file, a directory with MNIST-named IDX files (train-*, t10k-*), "
                    + "or an image folder with one subfolder per class (PNG, JPEG, BMP, GIF).")
    Path data;

    @Mixin
    ImageOptions images = new ImageOptions();

    @Option(names = "--labels", paramLabel = "FILE",
            description = "The IDX labels file for an IDX images file given to --data (default: the images file's name "
                    + "with 'images-idx3' replaced by 'labels-idx1').")
    Path labels;

    @Option(names = "--label-column", paramLabel = "NAME|INDEX", defaultValue = "label",
            description = "CSV: the label column, by header name or 0-based index (negative counts from the end; "
                    + "default: ${DEFAULT-VALUE}).")
    String labelColumn;

    @Option(names = "--no-header", description = "CSV: the first line is data, not column names.")
    boolean noHeader;

    @Option(names = "--classes", paramLabel = "C,C,...", split = ",",
            description = "Keep only these classes and renumber them 0.. in the order given, e.g. 5,6,7,8,9.")
    int[] classes;

    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N samples of --data (after --classes).")
    Integer limit;

    /**
     * Whether {@code --classes} only selects samples and keeps their class numbers (set by {@code evaluate} for a
     * model that predicts the original classes) instead of renumbering them 0.. as training does.
     */
    boolean keepClassNumbers;

    /** An IDX directory's split name, or null for a plain file. */
    private Dataset read(Path path, String idxSplit, Path idxLabels, boolean primary) throws IOException {
        if (!Files.exists(path)) {
            throw new CliException("no such file or directory: " + path,
                    "--data takes a CSV file, an IDX images file or a directory of MNIST-named IDX files");
        }
        Dataset raw;
        if (ImageOptions.isImageFolder(path)) {
            raw = images.read(path, primary);
            if (!raw.isLabelled()) {
                return raw;
            }
        } else if (Files.isDirectory(path)) {
            raw = Idx.readSplit(path, idxSplit, IDX_MAX_CLASSES);
        } else if (path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")) {
            CsvDatasets.Options options = CsvDatasets.Options.classification(labelColumn);
            raw = Datasets.csv(path, noHeader ? options.withoutHeader() : options);
        } else {
            raw = Idx.read(path, idxLabels != null ? idxLabels : guessLabels(path), IDX_MAX_CLASSES);
        }
        if (primary) {
            images.idxShape(raw);
        }
        return select(raw, path, primary);
    }

    private Dataset select(Dataset raw, Path path, boolean primary) {
        Dataset d;
        if (classes != null && classes.length > 0) {
            for (int c : classes) {
                if (c < 0 || c >= raw.classes()) {
                    throw new CliException(path + ": --classes lists class " + c + ", which the data cannot have",
                            "the data's labels are " + labelRange(raw));
                }
            }
            try {
                d = keepClassNumbers ? selectKeepingNumbers(raw) : raw.filterClasses(classes);
            } catch (IllegalArgumentException e) {
                throw new CliException(path + ": --classes " + e.getMessage(), "the data's labels are " + labelRange(raw));
            }
        } else {
            d = raw.classes() == IDX_MAX_CLASSES ? renumber(raw) : raw;
        }
        if (d.size() == 0) {
            throw new CliException(path + ": no samples of classes " + java.util.Arrays.toString(classes),
                    "check --classes; the data's labels are " + labelRange(raw));
        }
        if (primary && limit != null) {
            if (limit < 1) {
                throw new CliException("--limit must be >= 1, got " + limit, null);
            }
            d = d.head(limit);
        }
        return d;
    }

    /** The samples of the listed classes, with their labels unchanged. */
    private Dataset selectKeepingNumbers(Dataset raw) {
        int[] keep = new int[raw.classes()];
        java.util.Arrays.fill(keep, -1);
        for (int c : classes) {
            if (c < 0 || c >= raw.classes()) {
                throw new IllegalArgumentException("class " + c + " is out of range 0.." + (raw.classes() - 1));
            }
            if (keep[c] >= 0) {
                throw new IllegalArgumentException("class " + c + " is listed twice");
            }
            keep[c] = c;
        }
        return raw.relabel(keep);
    }

    /** The labels the data actually has, e.g. "0..9" (IDX data is read with room for 256 classes). */
    static String labelRange(Dataset raw) {
        IntSummaryStatistics s = IntStream.of(raw.labels()).summaryStatistics();
        return s.getCount() == 0 ? "none (no samples)" : s.getMin() + ".." + s.getMax();
    }

    /** Trims an IDX dataset's class count to the largest label present + 1. */
    private static Dataset renumber(Dataset raw) {
        int max = IntStream.of(raw.labels()).max().orElse(1);
        return raw.filterClasses(IntStream.rangeClosed(0, Math.max(1, max)).toArray());
    }

    private static Path guessLabels(Path images) {
        String name = images.getFileName().toString();
        if (name.contains("images-idx3")) {
            Path guess = images.resolveSibling(name.replace("images-idx3", "labels-idx1"));
            if (Files.isRegularFile(guess)) {
                return guess;
            }
        }
        throw new CliException(images + " is read as an IDX images file and needs its labels",
                "give --labels FILE (or use a .csv file, or a directory with MNIST naming)");
    }

    /** The training (or, for {@code evaluate}, the evaluation) samples: an IDX directory's split {@code split}. */
    Dataset load(String split) throws IOException {
        return read(data, split, labels, true);
    }

    /** The test split beside the training data: an IDX directory's {@code t10k-*} files when present. */
    Optional<Dataset> idxTestSplit() throws IOException {
        if (Files.isDirectory(data) && (Files.isRegularFile(data.resolve("t10k-images-idx3-ubyte.gz"))
                || Files.isRegularFile(data.resolve("t10k-images-idx3-ubyte")))) {
            return Optional.of(read(data, "t10k", null, false));
        }
        return Optional.empty();
    }

    /** Reads another file with the same settings (CSV columns, --classes), for --test. */
    Dataset loadOther(Path path, String split) throws IOException {
        return read(path, split, null, false);
    }
}
