package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.Backends;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.data.Dataset;
import dev.graft.loader.Models;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.loader.ModelExporters;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The user's path across backends: the seed's network saved by TensorFlow's own saver, loaded by
 * Graft's loader, transferred (copy 3, freeze 2, new head) and fine-tuned on the CPU backend and on
 * the TF backend; both must end with the same weights, and the frozen layers untouched.
 */
class CrossBackendTest {

    @Test
    void cpuAndTfFineTuneATfSavedCheckpointToTheSameWeights(@TempDir Path dir) throws Exception {
        for (String name : new String[] {"cpu", "tf"}) {
            var candidate = Backends.find(name);
            Assumptions.assumeTrue(candidate.availability().available(), name + " unavailable: " + candidate.availability().reason());
        }
        Model seed = Model.builder(500, 8)
                .dense("hidden1", 300, Activation.RELU)
                .dense("hidden2", 100, Activation.RELU)
                .dense("hidden3", 50, Activation.RELU)
                .dense("output", 5, Activation.IDENTITY)
                .build();
        Path prefix = dir.resolve("my_model");
        ModelExporters.export(seed, prefix, "tf-runtime-checkpoint"); // TF's own Saver, found by ServiceLoader
        Model loaded = Models.load(prefix).model();
        Model transferred = Transfer.from(loaded).keepThrough("hidden3").freezeThrough("hidden2")
                .add(Dense.spec("output", 5, Activation.IDENTITY)).seed(3).build();

        SplittableRandom r = new SplittableRandom(5);
        int n = 256;
        float[] x = new float[n * 500];
        int[] y = new int[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble();
        }
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(5);
        }
        Dataset data = Dataset.classification(x, 500, y, 5);

        Model onCpu = fineTune("cpu", transferred, data);
        Model onTf = fineTune("tf", transferred, data);
        for (String layer : new String[] {"hidden3", "output"}) {
            float[] a = ((Dense) onCpu.layer(layer)).weights();
            float[] b = ((Dense) onTf.layer(layer)).weights();
            for (int i = 0; i < a.length; i++) {
                assertTrue(Math.abs(a[i] - b[i]) <= 1e-4 + 1e-3 * Math.abs(a[i]),
                        layer + " weight " + i + ": cpu " + a[i] + " vs tf " + b[i]);
            }
        }
        for (String frozen : new String[] {"hidden1", "hidden2"}) {
            assertTrue(((Dense) onCpu.layer(frozen)).sameParameters((Dense) seed.layer(frozen)), frozen + " on cpu");
            assertTrue(((Dense) onTf.layer(frozen)).sameParameters((Dense) seed.layer(frozen)), frozen + " on tf");
        }
        assertFalse(((Dense) onCpu.layer("hidden3")).sameParameters((Dense) seed.layer("hidden3")), "hidden3 trains");
    }

    private static Model fineTune(String backendName, Model model, Dataset data) {
        try (Backend backend = Backends.open(backendName, BackendOptions.defaults().withThreads(1))) {
            return Trainer.builder(backend).optimizer(Optimizer.sgd(0.05f)).epochs(3).batchSize(32).seed(4)
                    .build().fit(model, data).model();
        }
    }
}
