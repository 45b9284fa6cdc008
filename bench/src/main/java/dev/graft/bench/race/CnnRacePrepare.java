package dev.graft.bench.race;

import dev.graft.Activation;
import dev.graft.BatchNorm;
import dev.graft.Backends;
import dev.graft.Conv2D;
import dev.graft.Dense;
import dev.graft.Flatten;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.Shape;
import dev.graft.Transfer;
import dev.graft.data.Dataset;
import dev.graft.data.Idx;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes the CNN race's starting point once: {@link CnnRaceData}'s network trained briefly on
 * Fashion-MNIST classes 0–4 (the user's "original" model, BatchNorm statistics learned), its
 * convolutional base kept and a new head ({@code fc 128 → output 5}, freshly initialised) put on
 * top; every tensor goes to one raw file, so that every peer starts from exactly the same numbers.
 *
 * <p>Usage: {@code CnnRacePrepare <fashion-mnist dir> <out dir>}
 */
public final class CnnRacePrepare {

    private CnnRacePrepare() {
    }

    /** The race's network, fresh (conv kernels without bias before their BatchNorm, as in Keras models). */
    static Model network(long seed) {
        return Model.builder(Shape.of(28, 28, 1), seed)
                .add(Conv2D.spec("conv1", CnnRaceData.FILTERS1, 3, Activation.IDENTITY).withoutBias())
                .add(BatchNorm.spec("bn1", 0.9, CnnRaceData.BN_EPSILON))
                .activation("relu1", Activation.RELU)
                .maxPool("pool1", 2)
                .add(Conv2D.spec("conv2", CnnRaceData.FILTERS2, 3, Activation.IDENTITY).withoutBias())
                .add(BatchNorm.spec("bn2", 0.9, CnnRaceData.BN_EPSILON))
                .activation("relu2", Activation.RELU)
                .maxPool("pool2", 2)
                .flatten("flatten")
                .dense("fc", CnnRaceData.HIDDEN, Activation.RELU)
                .dense("output", RaceData.CLASSES, Activation.IDENTITY)
                .build();
    }

    /** {@link #network} with the given weights and its base frozen through pool2: the race's starting model. */
    static Model transferred(Map<String, float[]> weights) {
        Model m = network(1);
        for (int i = 0; i < m.size(); i++) {
            Layer layer = m.layer(i);
            Map<String, float[]> values = new LinkedHashMap<>();
            weights.forEach((name, v) -> {
                if (name.startsWith(layer.name() + "/")) {
                    values.put(name.substring(layer.name().length() + 1), v);
                }
            });
            if (!values.isEmpty()) {
                m = m.with(i, layer.withParameters(values));
            }
        }
        return Transfer.from(m).freezeThrough("pool2").build();
    }

    public static void main(String[] args) throws IOException {
        Path data = Path.of(args[0]);
        Path out = Path.of(args[1]);
        Files.createDirectories(out);
        Dataset source = Idx.readSplit(data, "train", 10).filterClasses(0, 1, 2, 3, 4).head(12_000);
        Model original;
        try (Backend backend = Backends.open("cpu", new BackendOptions(1, Map.of()))) {
            original = Trainer.builder(backend).optimizer(Optimizer.momentum(0.01f, 0.9f)).epochs(1).batchSize(64).seed(2)
                    .build().fit(network(1), source).model();
        }
        Model transferred = Transfer.from(original).keepThrough("pool2").freezeThrough("pool2")
                .add(Flatten.spec("flatten"))
                .add(Dense.spec("fc", CnnRaceData.HIDDEN, Activation.RELU))
                .add(Dense.spec("output", RaceData.CLASSES, Activation.IDENTITY))
                .seed(3).build();
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (String name : CnnRaceData.TENSORS.keySet()) {
            String[] parts = name.split("/");
            weights.put(name, transferred.layer(parts[0]).parameterValues(parts[1]));
        }
        CnnRaceData.write(out.resolve("cnn-weights.bin"), weights);
        System.out.println("wrote " + out.resolve("cnn-weights.bin") + " (" + List.copyOf(weights.keySet()) + ")");
    }
}
