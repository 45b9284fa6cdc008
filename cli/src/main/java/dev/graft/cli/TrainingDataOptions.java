package dev.graft.cli;

import dev.graft.data.Dataset;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The samples {@code train} and {@code transfer} learn from ({@code --data} and the rest of {@link DataOptions})
 * and test on ({@code --test}), and the image augmentation their training uses.
 */
final class TrainingDataOptions {

    @Mixin
    DataOptions data;

    @Option(names = "--test", paramLabel = "PATH",
            description = "Test data, read like --data (default: an IDX directory's t10k-* files, when present).")
    Path test;

    /** The training samples; sets {@code training}'s augmentation, which needs their image shape. */
    Dataset train(TrainingOptions training) throws IOException {
        Dataset train = data.load("train");
        training.augmentation = data.images.augmentation(training.seed);
        training.views = data.images.views;
        return train;
    }

    /** The test samples: {@code --test}, else an IDX directory's {@code t10k-*} files; null when there are none. */
    Dataset test() throws IOException {
        return test != null ? data.loadOther(test, "t10k") : data.idxTestSplit().orElse(null);
    }

    /** The image folder's summary and the augmentation, when there are any (text output). */
    void printImages(PrintWriter out, TrainingOptions training) {
        if (data.images.summary != null) {
            out.println("images: " + data.images.summary);
        }
        if (training.augmentation != null) {
            out.println("augmentation: " + training.augmentation.id().replaceFirst("^augment-v1\\|", "") + ", " + training.views
                    + " view(s) per image" + (training.views > 1 ? " (cached with the features; one view per image each epoch)" : ""));
        }
    }
}
