package dev.graft.cli;

import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.data.Dataset;
import dev.graft.spi.Backend;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code graft train}: a network from scratch, e.g. the model a user later transfers from. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a new fully connected network from scratch (e.g. the original model to transfer from later).")
final class TrainCommand extends BaseCommand {

    @Option(names = "--layers", paramLabel = "W[:ACT],...", required = true,
            description = "The layers above the input, e.g. 300:relu,100:relu,50:relu,5 (hidden layers default to relu "
                    + "and are named hidden1.., the last is 'output', logits unless given an activation).")
    String layers;

    @Mixin
    TrainingDataOptions data;

    @Mixin
    TrainingOptions training;

    @Mixin
    BackendOption backend;

    @Mixin
    ModelOutputOptions outputs;

    @Override
    int run() throws Exception {
        outputs.check();
        training.check();
        List<Dense.Spec> specs = LayerSpecs.stack("--layers", layers);
        Dataset train = data.train(training);
        Dataset testData = data.test();
        Checks.newLayersFit("--layers", train.width(), specs);
        Model.Builder builder = Model.builder(train.width(), training.seed);
        specs.forEach(builder::add);
        Model model = builder.build();
        TrainingRun.Outcome outcome;
        try (Backend b = backend.open()) {
            outcome = TrainingRun.run(this, "train", b, model, train, testData, training, null);
        }
        ModelOutputOptions.Written written = outputs.write(outcome.model());
        if (json()) {
            Map<String, Object> m = Json.object();
            m.put("command", "train");
            m.putAll(TrainingRun.json(outcome, training.plot));
            written.putJson(m);
            out().println(Json.write(m));
            return 0;
        }
        out().println("model: " + model.toString().replaceFirst("^Model", "") + ", " + model.parameterCount() + " parameters");
        data.printImages(out(), training);
        TrainingRun.print(out(), outcome);
        written.print(out(), training.plot);
        return 0;
    }
}
