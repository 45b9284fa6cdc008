package dev.graft.loader;

import dev.graft.Model;
import dev.graft.train.Checkpoint;
import dev.graft.train.CheckpointStore;
import dev.graft.train.EpochStats;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * Training checkpoints in a directory, for {@code Trainer.Builder.checkpoints(store, everyEpochs)}:
 * each checkpoint's models are written as Graft model files ({@code model-epoch-00005.safetensors},
 * and {@code best-epoch-00005.safetensors} when early stopping keeps a best model), then
 * {@code checkpoint.properties} (the run's identity, the epoch, the file names and every epoch's
 * statistics) is replaced atomically. That file is the commit point: a crash at any moment leaves
 * the previous checkpoint whole, and files it no longer names are deleted after the commit.
 */
public final class Checkpoints implements CheckpointStore {

    static final String STATE = "checkpoint.properties";
    private static final String FORMAT = "graft-checkpoint-v1";

    private final Path dir;

    private Checkpoints(Path dir) {
        this.dir = dir;
    }

    /** A store in {@code dir} (created on the first save). */
    public static Checkpoints directory(Path dir) {
        return new Checkpoints(dir);
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void save(Checkpoint c) throws IOException {
        Files.createDirectories(dir);
        String modelFile = String.format("model-epoch-%05d.safetensors", c.epoch());
        String bestFile = c.best() == null ? "" : String.format("best-epoch-%05d.safetensors", c.epoch());
        Models.save(c.model(), dir.resolve(modelFile), ModelFormat.GRAFT);
        if (c.best() != null) {
            Models.save(c.best(), dir.resolve(bestFile), ModelFormat.GRAFT);
        }
        StringBuilder sb = new StringBuilder("# Graft training checkpoint: replaced atomically after the model files are written\n");
        line(sb, "format", FORMAT);
        line(sb, "run", c.run());
        line(sb, "epoch", Integer.toString(c.epoch()));
        line(sb, "model", modelFile);
        line(sb, "best", bestFile);
        for (EpochStats s : c.epochs()) {
            line(sb, "epoch." + s.epoch(), s.trainLoss() + "," + s.trainAccuracy() + "," + s.validationLoss() + ","
                    + s.validationAccuracy() + "," + s.seconds() + "," + s.samples() + "," + s.learningRate());
        }
        AtomicFiles.write(dir.resolve(STATE), sb.toString().getBytes(StandardCharsets.UTF_8));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "{model,best}-epoch-*.safetensors")) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (!name.equals(modelFile) && !name.equals(bestFile)) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    @Override
    public Optional<Checkpoint> load() throws IOException {
        Path state = dir.resolve(STATE);
        if (!Files.isRegularFile(state)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(state, StandardCharsets.UTF_8)));
        if (!FORMAT.equals(p.getProperty("format"))) {
            throw new ModelFileException(state, "not a Graft checkpoint state file (format '" + p.getProperty("format")
                    + "', expected " + FORMAT + ")");
        }
        try {
            int epoch = Integer.parseInt(p.getProperty("epoch", ""));
            List<EpochStats> epochs = new ArrayList<>();
            for (int e = 1; e <= epoch; e++) {
                String value = p.getProperty("epoch." + e);
                if (value == null) {
                    throw new ModelFileException(state, "the statistics of epoch " + e + " are missing");
                }
                String[] v = value.split(",");
                if (v.length != 7) {
                    throw new ModelFileException(state, "epoch." + e + " has " + v.length + " values, expected 7");
                }
                epochs.add(new EpochStats(e, Double.parseDouble(v[0]), Double.parseDouble(v[1]), Double.parseDouble(v[2]),
                        Double.parseDouble(v[3]), Double.parseDouble(v[4]), Integer.parseInt(v[5]), Double.parseDouble(v[6])));
            }
            Model model = Models.load(dir.resolve(p.getProperty("model", ""))).model();
            String best = p.getProperty("best", "");
            Model bestModel = best.isEmpty() ? null : Models.load(dir.resolve(best)).model();
            return Optional.of(new Checkpoint(p.getProperty("run", ""), epoch, model, bestModel, epochs));
        } catch (NumberFormatException e) {
            throw new ModelFileException(state, "a number does not parse: " + e.getMessage());
        }
    }

    private static void line(StringBuilder sb, String key, String value) {
        sb.append(key).append('=').append(value).append('\n');
    }

    @Override
    public String toString() {
        return "checkpoints in " + dir;
    }
}
