package dev.graft.cpu;

import dev.graft.spi.ConvGeometry;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Heap staging arrays for the convolution, pooling and batch-norm kernels of one
 * {@link CpuConvKernels}: an image (or chunk) is bulk-copied from off-heap memory into these,
 * worked on with flat loops that C2 vectorises, and bulk-copied back. They grow to the largest
 * shape seen and are reused, never allocated per call.
 */
final class CpuConvStaging {

    private float[] image = new float[0];
    private float[] other = new float[0];
    private float[] block = new float[0];
    private float[] weights = new float[0];
    private float[][] tiles = new float[6][0];
    private double[] accumulators = new double[0];
    private int[] indices = new int[0];
    /** One window per geometry: a network's layers alternate between several, each built once. */
    private final Map<ConvGeometry, CpuWindow> windows = new HashMap<>();
    /** Geometries kept at most; past it (shapes that keep changing) the map starts again. */
    private static final int MAX_WINDOWS = 64;

    /** A staged input image (or a chunk of rows), at least {@code n} long, contents undefined. */
    float[] image(int n) {
        if (image.length < n) {
            image = new float[n];
        }
        return image;
    }

    /** A second image-sized array (e.g. a gradient image), zeroed over {@code [0, n)}. */
    float[] zeroedOther(int n) {
        if (other.length < n) {
            other = new float[n];
        }
        Arrays.fill(other, 0, n, 0f);
        return other;
    }

    /** A block of rows (one output row's columns, or an output image), at least {@code n} long. */
    float[] block(int n) {
        if (block.length < n) {
            block = new float[n];
        }
        return block;
    }

    /** A staged kernel or per-channel vector, at least {@code n} long. */
    float[] weights(int n) {
        if (weights.length < n) {
            weights = new float[n];
        }
        return weights;
    }

    /** Tile array number {@code which} (0..5), at least {@code n} long, contents undefined. */
    float[] tile(int which, int n) {
        if (tiles[which].length < n) {
            tiles[which] = new float[n];
        }
        return tiles[which];
    }

    /** Zeroed double accumulators, at least {@code n} long. */
    double[] accumulators(int n) {
        if (accumulators.length < n) {
            accumulators = new double[n];
        }
        Arrays.fill(accumulators, 0, n, 0.0);
        return accumulators;
    }

    /** An index array, at least {@code n} long, contents undefined. */
    int[] indices(int n) {
        if (indices.length < n) {
            indices = new int[n];
        }
        return indices;
    }

    /** The in-image window ranges of {@code g}, built on its first use and kept. */
    CpuWindow window(ConvGeometry g) {
        CpuWindow w = windows.get(g);
        if (w == null) {
            if (windows.size() >= MAX_WINDOWS) {
                windows.clear();
            }
            w = new CpuWindow(g);
            windows.put(g, w);
        }
        return w;
    }

    /** {@code values[0..n)} repeated {@code rows} times into {@code tile}. */
    static void repeat(float[] values, int n, int rows, float[] tile) {
        System.arraycopy(values, 0, tile, 0, n);
        for (int r = 1; r < rows; r++) {
            System.arraycopy(tile, 0, tile, r * n, n);
        }
    }
}
