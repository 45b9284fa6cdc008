package dev.graft.bench.race;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * The race's shared inputs, plain JDK only so that every peer (Graft, TensorFlow Java, and the
 * Deeplearning4j project, which compiles this file too) reads them the same way: Fashion-MNIST
 * from gzipped IDX files, with the ten classes folded to five ({@code label / 2}) so that all
 * 60,000 training images fit the seed's 5-way head; and the starting weights from a raw file.
 */
public final class RaceData {

    /** Pixels in [0, 1], row-major {@code n × 784}; labels in 0..4. */
    public record Split(float[] x, int[] y, int n) {
    }

    public static final int CLASSES = 5;
    /** hidden1, hidden2, hidden3 (copied), output (the new head's initial values). */
    public static final int[][] LAYERS = {{784, 300}, {300, 100}, {100, 50}, {50, 5}};

    private RaceData() {
    }

    /** Reads {@code <dir>/<prefix>-images-idx3-ubyte.gz} and its labels. */
    public static Split read(Path dir, String prefix) throws IOException {
        byte[] images = gunzip(dir.resolve(prefix + "-images-idx3-ubyte.gz"));
        byte[] labels = gunzip(dir.resolve(prefix + "-labels-idx1-ubyte.gz"));
        ByteBuffer ib = ByteBuffer.wrap(images);
        if (ib.getInt() != 0x803) {
            throw new IOException(prefix + " images: not an IDX3 file");
        }
        int n = ib.getInt();
        int width = ib.getInt() * ib.getInt();
        float[] x = new float[n * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = (images[16 + i] & 0xFF) / 255f;
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = (labels[8 + i] & 0xFF) / 2;
        }
        return new Split(x, y, n);
    }

    private static byte[] gunzip(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 1 << 16)) {
            return in.readAllBytes();
        }
    }

    /**
     * The four layers' weights ([in, out] row-major) and biases, from the raw file the Graft
     * preparation step writes: for each layer, int in, int out, in·out weights, out biases,
     * little-endian.
     */
    public static float[][] readWeights(Path file) throws IOException {
        return readWeights(file, LAYERS);
    }

    /** As {@link #readWeights(Path)}, for a network whose layers are {@code layers} ({in, out} each). */
    public static float[][] readWeights(Path file, int[][] layers) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[][] out = new float[layers.length * 2][];
        for (int l = 0; l < layers.length; l++) {
            int in = b.getInt();
            int o = b.getInt();
            if (in != layers[l][0] || o != layers[l][1]) {
                throw new IOException(file + ": layer " + l + " is " + in + "x" + o + ", expected " + layers[l][0] + "x" + layers[l][1]);
            }
            out[2 * l] = new float[in * o];
            b.asFloatBuffer().get(out[2 * l]);
            b.position(b.position() + 4 * in * o);
            out[2 * l + 1] = new float[o];
            b.asFloatBuffer().get(out[2 * l + 1]);
            b.position(b.position() + 4 * o);
        }
        return out;
    }

    /** A seeded Fisher–Yates permutation of 0..n-1 (each peer shuffles its batches with it). */
    public static int[] shuffle(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** Index of the largest of {@code classes} values at {@code row}. */
    public static int argmax(float[] values, int row, int classes) {
        int best = 0;
        for (int c = 1; c < classes; c++) {
            if (values[row * classes + c] > values[row * classes + best]) {
                best = c;
            }
        }
        return best;
    }

}
