package dev.graft.cache;

import dev.graft.Model;
import dev.graft.data.Dataset;
import dev.graft.spi.Backend;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import java.util.function.IntConsumer;

/** Runs a model in inference mode over a whole dataset in batches. */
public final class Featurizer {

    /** Batch used for frozen forward passes: large enough to keep GEMMs efficient. */
    public static final int DEFAULT_BATCH = 256;

    private Featurizer() {
    }

    /** The model's outputs for every sample, row-major {@code data.size() × model.outputWidth()}. */
    public static float[] outputs(Model model, Dataset data, Backend backend, int batch) {
        return outputs(model, data, backend, batch, done -> { });
    }

    /** As {@link #outputs(Model, Dataset, Backend, int)}, reporting the samples done after each batch. */
    public static float[] outputs(Model model, Dataset data, Backend backend, int batch, IntConsumer progress) {
        if (data.width() != model.inputWidth()) {
            throw new IllegalArgumentException("the data has " + data.width() + " features but layer '"
                    + model.layer(0).name() + "' takes " + model.inputWidth());
        }
        int n = data.size();
        int out = model.outputWidth();
        float[] result = new float[Math.multiplyExact(n, out)];
        int rowsPerBatch = Math.max(1, Math.min(batch, n));
        float[] x = new float[rowsPerBatch * data.width()];
        try (Network net = Networks.open(backend, NetworkPlan.inference(model, rowsPerBatch))) {
            for (int from = 0; from < n; from += rowsPerBatch) {
                int rows = Math.min(rowsPerBatch, n - from);
                for (int r = 0; r < rows; r++) {
                    data.copyFeatures(from + r, x, r * data.width());
                }
                net.predict(x, 0, rows, result, from * out);
                progress.accept(from + rows);
            }
        }
        return result;
    }
}
