package dev.graft.bench.race;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.data.Dataset;
import dev.graft.data.Idx;
import dev.graft.loader.ModelFormat;
import dev.graft.loader.Models;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.Backends;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Makes the race's starting point once: the seed's 784-300-100-50-5 network trained briefly on
 * Fashion-MNIST classes 0–4 (the user's "original" model), saved as a TensorFlow V2 checkpoint
 * (what the Graft peer loads, as the user would), plus a raw weights file with hidden1–3 and the
 * new head's initial values, so every peer starts from exactly the same numbers.
 *
 * <p>Usage: {@code RacePrepare <fashion-mnist dir> <out dir>}
 */
public final class RacePrepare {

    private RacePrepare() {
    }

    public static void main(String[] args) throws IOException {
        Path data = Path.of(args[0]);
        Path out = Path.of(args[1]);
        Files.createDirectories(out);
        Dataset source = Idx.readSplit(data, "train", 10).filterClasses(0, 1, 2, 3, 4).head(20_000);
        prepare(source, out);
    }

    /**
     * Trains the seed's network ({@code source.width()}-300-100-50-5) briefly on {@code source} and
     * writes {@code <out>/model.ckpt} (TF V2 checkpoint) and {@code <out>/weights.bin} (hidden1–3 and
     * the new head's initial values, in {@link RaceData#readWeights(Path, int[][])}'s format).
     */
    static void prepare(Dataset source, Path out) throws IOException {
        Model seed = Model.builder(source.width(), 1)
                .dense("hidden1", 300, Activation.RELU)
                .dense("hidden2", 100, Activation.RELU)
                .dense("hidden3", 50, Activation.RELU)
                .dense("output", 5, Activation.IDENTITY)
                .build();
        Model original;
        try (Backend backend = Backends.open("cpu", new BackendOptions(1, Map.of()))) {
            original = Trainer.builder(backend).optimizer(Optimizer.momentum(0.01f, 0.9f)).epochs(1).batchSize(64).seed(2)
                    .build().fit(seed, source).model();
        }
        Models.save(original, out.resolve("model.ckpt"), ModelFormat.TF_CHECKPOINT);
        Model transferred = Transfer.from(original).keepThrough("hidden3").freezeThrough("hidden2")
                .add(Dense.spec("output", 5, Activation.IDENTITY)).seed(3).build();
        int floats = 0;
        for (int i = 0; i < 4; i++) {
            floats += 2 + (int) transferred.layer(i).parameterCount();
        }
        ByteBuffer b = ByteBuffer.allocate(4 * floats).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 4; i++) {
            Dense d = (Dense) transferred.layer(i);
            b.putInt(d.inputWidth()).putInt(d.outputWidth());
            b.asFloatBuffer().put(d.weights());
            b.position(b.position() + 4 * d.weights().length);
            b.asFloatBuffer().put(d.bias());
            b.position(b.position() + 4 * d.bias().length);
        }
        Path tmp = out.resolve("weights.bin.tmp");
        Files.write(tmp, b.array());
        Files.move(tmp, out.resolve("weights.bin"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("wrote " + out.resolve("model.ckpt") + " and " + out.resolve("weights.bin"));
    }
}
