package dev.graft.bench.race;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The CNN race's network and starting weights, plain JDK only (the Deeplearning4j project compiles
 * this file too). The network, channels-last like Keras and TF:
 * {@code 28×28×1 → conv1 32 3×3 valid (no bias) → bn1 → relu → pool 2 → conv2 64 3×3 valid (no bias)
 * → bn2 → relu → pool 2 → flatten (5·5·64 = 1600, in h, w, c order) → fc 128 relu → output 5};
 * the convolutional base (through pool2) is frozen, BatchNorm in inference mode.
 *
 * <p>Weights file: for each tensor, a UTF-8 name (int length + bytes), an int count and that many
 * little-endian floats, in TF's layouts (conv kernel {@code [kh, kw, in, out]}, dense kernel
 * {@code [in, out]}).
 */
public final class CnnRaceData {

    public static final int FILTERS1 = 32;
    public static final int FILTERS2 = 64;
    public static final int HIDDEN = 128;
    /** Side of the feature map after pool2 (28 → 26 → 13 → 11 → 5). */
    public static final int FEATURE_SIDE = 5;
    /** Width of the cached bottleneck: 5·5·64. */
    public static final int FEATURES = FEATURE_SIDE * FEATURE_SIDE * FILTERS2;
    public static final double BN_EPSILON = 1e-3;

    /** Every tensor of the weights file and its element count. */
    public static final Map<String, Integer> TENSORS = tensors();

    private CnnRaceData() {
    }

    private static Map<String, Integer> tensors() {
        Map<String, Integer> t = new LinkedHashMap<>();
        t.put("conv1/kernel", 3 * 3 * 1 * FILTERS1);
        for (String p : new String[] {"gamma", "beta", "moving_mean", "moving_variance"}) {
            t.put("bn1/" + p, FILTERS1);
        }
        t.put("conv2/kernel", 3 * 3 * FILTERS1 * FILTERS2);
        for (String p : new String[] {"gamma", "beta", "moving_mean", "moving_variance"}) {
            t.put("bn2/" + p, FILTERS2);
        }
        t.put("fc/kernel", FEATURES * HIDDEN);
        t.put("fc/bias", HIDDEN);
        t.put("output/kernel", HIDDEN * RaceData.CLASSES);
        t.put("output/bias", RaceData.CLASSES);
        return t;
    }

    /** Writes {@code weights} (every name of {@link #TENSORS}) atomically to {@code file}. */
    public static void write(Path file, Map<String, float[]> weights) throws IOException {
        int bytes = 0;
        for (String name : TENSORS.keySet()) {
            bytes += 8 + name.length() + 4 * check(name, weights.get(name)).length;
        }
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (String name : TENSORS.keySet()) {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            float[] v = weights.get(name);
            b.putInt(n.length).put(n).putInt(v.length);
            b.asFloatBuffer().put(v);
            b.position(b.position() + 4 * v.length);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, b.array());
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Reads the weights file; refuses a missing, extra or mis-sized tensor. */
    public static Map<String, float[]> read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, float[]> out = new LinkedHashMap<>();
        while (b.hasRemaining()) {
            byte[] n = new byte[b.getInt()];
            b.get(n);
            float[] v = new float[b.getInt()];
            b.asFloatBuffer().get(v);
            b.position(b.position() + 4 * v.length);
            out.put(new String(n, StandardCharsets.UTF_8), v);
        }
        if (!out.keySet().equals(TENSORS.keySet())) {
            throw new IOException(file + ": holds tensors " + out.keySet() + ", expected " + TENSORS.keySet());
        }
        for (Map.Entry<String, float[]> e : out.entrySet()) {
            check(e.getKey(), e.getValue());
        }
        return out;
    }

    /**
     * The first {@code -Drace.samples} samples of {@code split} (all of it when unset): the quick
     * mode gives the slowest peer fewer images and the table scales its epoch times to 60,000.
     */
    public static RaceData.Split limit(RaceData.Split split) {
        int n = samples(split.n());
        return n == split.n() ? split
                : new RaceData.Split(Arrays.copyOf(split.x(), n * 784), Arrays.copyOf(split.y(), n), n);
    }

    /** {@code -Drace.samples} capped at {@code available}; {@code available} when unset. */
    public static int samples(int available) {
        int n = Integer.getInteger("race.samples", 0);
        return n <= 0 ? available : Math.min(n, available);
    }

    private static float[] check(String name, float[] v) {
        if (v == null || v.length != TENSORS.get(name)) {
            throw new IllegalArgumentException("tensor " + name + " has " + (v == null ? "no values" : v.length + " values")
                    + ", expected " + TENSORS.get(name));
        }
        return v;
    }
}
