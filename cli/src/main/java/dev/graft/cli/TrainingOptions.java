package dev.graft.cli;

import dev.graft.data.Dataset;
import dev.graft.train.EarlyStopping;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Hyper-parameters and training-run options shared by {@code train} and {@code transfer}. */
final class TrainingOptions {

    /** The update rules the CLI offers. */
    enum OptimizerName { SGD, MOMENTUM, NESTEROV, ADAM }

    /** How progress is shown. */
    enum Progress { AUTO, BAR, LINES, NONE }

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "20", description = "Epochs at most (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "Mini-batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "0.01", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--optimizer", paramLabel = "NAME", defaultValue = "momentum",
            description = "sgd, momentum, nesterov or adam (default: ${DEFAULT-VALUE}).")
    OptimizerName optimizer;

    @Option(names = "--momentum", paramLabel = "M", defaultValue = "0.9",
            description = "Momentum for the momentum and nesterov optimizers (default: ${DEFAULT-VALUE}).")
    float momentum;

    @Option(names = "--l2", paramLabel = "LAMBDA", defaultValue = "0", description = "L2 penalty on trainable weights (default: ${DEFAULT-VALUE}).")
    float l2;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Seeds the batch order, the validation split, --per-class sampling and new layers (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--per-class", paramLabel = "N",
            description = "Train on at most N labelled samples of each class (a seeded draw).")
    Integer perClass;

    @Option(names = "--validation", paramLabel = "FRACTION", defaultValue = "0.1",
            description = "Fraction of the training samples held out to watch over-fitting; 0 for none (default: ${DEFAULT-VALUE}).")
    double validation;

    @Option(names = "--patience", paramLabel = "EPOCHS", defaultValue = "5",
            description = "Early stopping: stop after this many epochs without a better validation loss and keep the best "
                    + "epoch's weights; 0 to train every epoch (default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Write the learning curves (loss and accuracy per epoch) as a PNG.")
    Path plot;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
            description = "auto (a bar on a terminal, a line per epoch otherwise), bar, lines or none (default: ${DEFAULT-VALUE}).")
    Progress progress;

    /** Refuses settings that cannot train, before any data is read. */
    void check() {
        positive("--epochs", epochs);
        positive("--batch", batch);
        if (perClass != null) {
            positive("--per-class", perClass);
        }
        if (patience < 0) {
            throw new CliException("--patience must be >= 0 (0 trains every epoch), got " + patience, null);
        }
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
            throw new CliException("--lr must be a positive finite number (the learning rate), got " + learningRate, "e.g. --lr 0.01");
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new CliException("--momentum must be in [0, 1), got " + momentum, null);
        }
        if (!(l2 >= 0) || !Float.isFinite(l2)) {
            throw new CliException("--l2 must be >= 0 and finite, got " + l2, null);
        }
        if (plot != null) {
            OutputPaths.checkFile("--plot", plot);
        }
    }

    private static void positive(String option, int value) {
        if (value < 1) {
            throw new CliException(option + " must be >= 1, got " + value, null);
        }
    }

    Optimizer optimizer() {
        return switch (optimizer) {
            case SGD -> Optimizer.sgd(learningRate);
            case MOMENTUM -> Optimizer.momentum(learningRate, momentum);
            case NESTEROV -> Optimizer.nesterov(learningRate, momentum);
            case ADAM -> Optimizer.adam(learningRate);
        };
    }

    /** Set by the command from {@code --augment} / {@code --views} once the data's image shape is known; null: none. */
    dev.graft.data.Augmentation augmentation;
    int views = 1;

    /** A trainer builder with these settings (no cache, no listener). */
    Trainer.Builder trainer(dev.graft.spi.Backend backend) {
        Trainer.Builder b = Trainer.builder(backend).optimizer(optimizer()).epochs(epochs).batchSize(batch).seed(seed).l2(l2);
        if (augmentation != null) {
            b.augment(augmentation, views);
        }
        if (validation > 0 && patience > 0) {
            b.earlyStopping(EarlyStopping.onValidationLoss(patience));
        }
        return b;
    }

    /** The training samples after {@code --per-class}. */
    Dataset sample(Dataset train) {
        if (perClass == null) {
            return train;
        }
        if (perClass < 1) {
            throw new CliException("--per-class must be >= 1, got " + perClass, null);
        }
        return train.samplePerClass(perClass, seed);
    }

    /** Splits off the validation part, or returns the data whole (validation null) with {@code --validation 0}. */
    Dataset.Split split(Dataset train) {
        if (!(validation >= 0 && validation < 1)) {
            throw new CliException("--validation must be in [0, 1), got " + validation, null);
        }
        if (validation == 0) {
            return new Dataset.Split(train, null);
        }
        int held = (int) Math.round(train.size() * validation);
        if (held < 1 || held >= train.size()) {
            throw new CliException("--validation " + validation + " of " + train.size() + " samples leaves no "
                    + (held < 1 ? "validation" : "training") + " samples", "use --validation 0 or more data");
        }
        return train.split(validation, seed);
    }
}
