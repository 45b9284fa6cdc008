package dev.graft.cli;

import dev.graft.Model;
import dev.graft.cache.BottleneckCache;
import dev.graft.data.Dataset;
import dev.graft.spi.Backend;
import dev.graft.train.Evaluation;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingListener;
import dev.graft.train.TrainingResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One training run as {@code train} and {@code transfer} perform it: sample, split off validation,
 * train with progress, evaluate on the test set, plot, and describe the outcome for humans or JSON.
 */
final class TrainingRun {

    /** What a run produced. */
    record Outcome(Model model, TrainingResult result, Evaluation test, int trainSamples, int validationSamples,
                   List<TrainingListener.FeaturesEvent> features, String backend, String backendDescription) {
    }

    private TrainingRun() {
    }

    /** Trains {@code model}; {@code test} may be null; {@code cache} may be null (no cache). */
    static Outcome run(BaseCommand cmd, String task, Backend backend, Model model, Dataset train, Dataset test,
                       TrainingOptions options, BottleneckCache cache) throws IOException {
        Checks.dataFitsModel(model, train, "--data");
        if (test != null) {
            Checks.dataFitsModel(model, test, "the test data");
        }
        Dataset.Split split = options.split(options.sample(train));
        List<TrainingListener.FeaturesEvent> features = new ArrayList<>();
        Trainer.Builder builder = options.trainer(backend).cache(cache).listener(new TrainingListener() {
            @Override
            public void onFeatures(FeaturesEvent event) {
                features.add(event);
            }
        });
        TrainingResult result;
        TrainingOptions.Progress mode = cmd.quiet() ? TrainingOptions.Progress.NONE : options.progress;
        try (ProgressListener progress = new ProgressListener(cmd.err(), task, mode, options.epochs, split.train().size())) {
            Trainer trainer = builder.listener(progress).build();
            result = trainer.fit(model, split.train(), split.validation());
        }
        Evaluation eval = test == null ? null : options.trainer(backend).build().evaluate(result.model(), test);
        if (options.plot != null) {
            CurvePlot.write(result.history(), task, options.plot);
        }
        return new Outcome(result.model(), result, eval, split.train().size(),
                split.validation() == null ? 0 : split.validation().size(), features, backend.name(),
                backend.description());
    }

    /** The human-readable summary: epochs table, what was kept, test result. */
    static void print(PrintWriter out, Outcome o) {
        out.printf("backend: %s (%s)%n", o.backend(), o.backendDescription());
        out.printf("samples: %d training, %d validation%s%n", o.trainSamples(), o.validationSamples(),
                o.test() == null ? "" : ", " + o.test().samples() + " test");
        for (TrainingListener.FeaturesEvent f : o.features()) {
            out.printf("bottleneck cache: %s, %d samples, %s (%s)%n", f.hit() ? "hit" : "computed", f.samples(),
                    Tables.seconds(f.seconds()), f.where());
        }
        out.println();
        out.print(Tables.history(o.result().history()));
        var h = o.result().history();
        if (h.stoppedEarly()) {
            out.printf("stopped early after epoch %d; kept the weights of epoch %d (best validation loss)%n",
                    h.last().epoch(), h.returnedEpoch());
        } else if (h.returnedEpoch() != h.last().epoch()) {
            out.printf("kept the weights of epoch %d (best validation loss)%n", h.returnedEpoch());
        }
        if (o.test() != null) {
            out.printf("test: accuracy %s, loss %s on %d samples%n", Tables.percent(o.test().accuracy()),
                    Tables.decimal(o.test().loss()), o.test().samples());
        }
    }

    /** The JSON fields shared by train and transfer. */
    static Map<String, Object> json(Outcome o, Path plot) {
        Map<String, Object> m = Json.object();
        m.put("backend", o.backend());
        m.put("backendDescription", o.backendDescription());
        m.put("trainSamples", o.trainSamples());
        m.put("validationSamples", o.validationSamples());
        List<Map<String, Object>> features = new ArrayList<>();
        for (TrainingListener.FeaturesEvent f : o.features()) {
            Map<String, Object> e = Json.object();
            e.put("hit", f.hit());
            e.put("samples", f.samples());
            e.put("seconds", f.seconds());
            e.put("where", f.where());
            e.put("key", f.key());
            features.add(e);
        }
        m.put("bottleneck", features);
        m.put("history", Json.history(o.result().history()));
        m.put("test", o.test() == null ? null : Json.evaluation(o.test()));
        m.put("layers", Json.layers(o.model()));
        m.put("plot", plot == null ? null : plot.toString());
        return m;
    }
}
