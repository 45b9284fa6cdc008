package dev.graft.bench.race;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * The seed race's floor (issue 19's footnote): OpenBLAS's own time for exactly the GEMMs of each
 * epoch kind, through the same {@code org.bytedeco:openblas} Graft's cpu backend uses, called
 * directly on off-heap memory, nothing else (no bias, activation, loss, update or batch gather).
 * Per step at {@code rows} rows, for each layer run forward {@code C = A·W}; backward, from the top
 * down to the lowest trainable layer, {@code dW = Aᵀ·dZ} and, above that layer, {@code dA = dZ·Wᵀ}.
 * Batches are consecutive row blocks of the data (or of the features the featurize GEMMs wrote).
 * Featurize is timed {@code epochs} times too, so its row is a minimum like the others.
 *
 * <p>Usage: {@code SeedBlasFloor <prepared dir> <threads> <epochs per kind>}
 */
public final class SeedBlasFloor implements AutoCloseable {

    private static final int[][] LAYERS = SeedRaceData.LAYERS;
    private final int n;
    private final FloatPointer data;
    private final FloatPointer features;
    private final FloatPointer dataRows;
    private final FloatPointer featureRows;
    private final FloatPointer[] weights = new FloatPointer[LAYERS.length];
    private final FloatPointer[] gradients = new FloatPointer[LAYERS.length];
    private final FloatPointer[] outputs = new FloatPointer[LAYERS.length];
    private final FloatPointer[] deltas = new FloatPointer[LAYERS.length];

    private SeedBlasFloor(RaceData.Split split, float[][] w) {
        n = split.n();
        data = new FloatPointer(split.x());
        features = new FloatPointer((long) n * LAYERS[SeedRace.CUT][0]);
        dataRows = new FloatPointer(data);
        featureRows = new FloatPointer(features);
        SplittableRandom rnd = new SplittableRandom(1);
        int rows = SeedRace.LARGE_BATCH;
        for (int l = 0; l < LAYERS.length; l++) {
            weights[l] = new FloatPointer(w[2 * l]);
            gradients[l] = new FloatPointer((long) LAYERS[l][0] * LAYERS[l][1]);
            outputs[l] = new FloatPointer((long) rows * LAYERS[l][1]);
            float[] delta = new float[rows * LAYERS[l][1]];
            for (int i = 0; i < delta.length; i++) {
                delta[i] = (float) (rnd.nextDouble() - 0.5) * 0.01f;
            }
            deltas[l] = new FloatPointer(delta);
        }
    }

    /** Row-major {@code C[m×cols] = op(A)·op(B)}, {@code op(A)} m×k, {@code op(B)} k×cols, as the backward GEMMs need. */
    static void gemm(boolean transA, boolean transB, int m, int cols, int k, FloatPointer a, FloatPointer b, FloatPointer c) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, cols, k,
                1f, a, transA ? m : k, b, transB ? k : cols, 0f, c, cols);
    }

    /** Forward GEMMs of layers {@code from..to-1} on {@code rows} rows at {@code input}; the last writes {@code last}. */
    private void forward(FloatPointer input, int rows, int from, int to, FloatPointer last) {
        FloatPointer a = input;
        for (int l = from; l < to; l++) {
            FloatPointer c = l == to - 1 && last != null ? last : outputs[l];
            gemm(false, false, rows, LAYERS[l][1], LAYERS[l][0], a, weights[l], c);
            a = c;
        }
    }

    /** Backward GEMMs from the top layer down to {@code lowest}; layer {@code first}'s input is {@code input}. */
    private void backward(FloatPointer input, int rows, int first, int lowest) {
        for (int l = LAYERS.length - 1; l >= lowest; l--) {
            FloatPointer a = l == first ? input : outputs[l - 1];
            gemm(true, false, LAYERS[l][0], LAYERS[l][1], rows, a, deltas[l], gradients[l]);
            if (l > lowest) {
                gemm(false, true, rows, LAYERS[l][0], LAYERS[l][1], deltas[l], weights[l], deltas[l - 1]);
            }
        }
    }

    private double featurize() {
        int width = LAYERS[0][0];
        int out = LAYERS[SeedRace.CUT][0];
        for (int from = 0; from < n; from += SeedRace.LARGE_BATCH) {
            int rows = Math.min(SeedRace.LARGE_BATCH, n - from);
            forward(dataRows.position((long) from * width), rows, 0, SeedRace.CUT, featureRows.position((long) from * out));
        }
        return Double.NaN;
    }

    /** One epoch's GEMMs: input rows from the data (layer 0 up) or the features (the cut up), training layers {@code lowest} up. */
    private double epoch(boolean cached, int batch, int lowest) {
        FloatPointer rowsOf = cached ? featureRows : dataRows;
        int first = cached ? SeedRace.CUT : 0;
        int width = LAYERS[first][0];
        for (int from = 0; from < n; from += batch) {
            int rows = Math.min(batch, n - from);
            FloatPointer input = rowsOf.position((long) from * width);
            forward(input, rows, first, LAYERS.length, null);
            backward(input, rows, first, lowest);
        }
        return Double.NaN;
    }

    @Override
    public void close() {
        data.close();
        features.close();
        for (int l = 0; l < LAYERS.length; l++) {
            weights[l].close();
            gradients[l].close();
            outputs[l].close();
            deltas[l].close();
        }
    }

    public static void main(String[] argv) throws Exception {
        SeedRace.Args args = SeedRace.Args.parse(argv);
        long t = System.nanoTime();
        RaceData.Split split = SeedRaceData.read(args.data());
        String blas = openblas_nolapack.OPENBLAS_VERSION.trim() + ", OPENBLAS_CORETYPE=" + System.getenv().getOrDefault("OPENBLAS_CORETYPE", "(unset)");
        RaceReport report = SeedRace.report(args, "openblas-floor", blas + ", threads=" + args.threads() + ", cblas_sgemm only", split.n(), t);
        org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(args.threads());
        int epochs = args.epochs();
        int cut = SeedRace.CUT;
        try (SeedBlasFloor floor = new SeedBlasFloor(split, RaceData.readWeights(args.weights(), LAYERS))) {
            SeedRace.timeEpochs(report, SeedRace.UNCACHED, epochs, e -> floor.epoch(false, SeedRace.BATCH, cut));
            SeedRace.timeEpochs(report, "featurize", epochs, e -> floor.featurize());
            SeedRace.timeEpochs(report, SeedRace.CACHED, epochs, e -> floor.epoch(true, SeedRace.BATCH, cut));
            SeedRace.timeEpochs(report, SeedRace.CACHED_LARGE, epochs, e -> floor.epoch(true, SeedRace.LARGE_BATCH, cut));
            SeedRace.timeEpochs(report, SeedRace.FULL, epochs, e -> floor.epoch(false, SeedRace.BATCH, 0));
        }
        report.print();
    }
}
