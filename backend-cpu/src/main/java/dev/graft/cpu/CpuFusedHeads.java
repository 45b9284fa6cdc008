package dev.graft.cpu;

import dev.graft.Activation;
import dev.graft.spi.FusedDenseHead;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * When the CPU backend runs a dense head as one fused pass ({@link CpuTiledHead} on the Vector API,
 * else {@link CpuFusedHead}'s plain loops) instead of OpenBLAS calls: {@code cpu.fusedHead}
 * ({@code -Dgraft.cpu.fusedHead}, or the backend property) is {@code auto} (default: the rule below),
 * {@code on} (whenever it can run, for tests) or {@code off}.
 *
 * <p>The rule for {@code auto} (a fixed rule, not a timing at plan time: a timing would have to run
 * the Vector API kernels before C2 has compiled them, when they are 20-400x slower, and the same job
 * should always take the same path and give the same bits): a candidate when the Vector API is
 * present with vectors of at least {@link #MIN_AUTO_LANES} floats (AVX-512), the plan's batch is at
 * least {@link #MIN_AUTO_BATCH} rows, every layer's padded kernel fits {@link #MAX_LAYER_FLOATS}
 * (weights and gradient stay in L1/L2), and no input gradient is needed below the head; a candidate
 * fuses when {@link #AUTO_FUSES_WITHIN_RULE} (today false). Where it comes from (paired timings in one
 * JVM, bench/RESULTS.md, issue 19): at the seed's 100-50-5 head the fused step took 0.93-1.10x the
 * layer-by-layer step at batch 256 and 1.03-1.11x at batch 64 (both paths with the same Vector API
 * elementwise kernels); with 256-bit vectors it took 1.7x, and at 300-100-5 and 512-256-10 (past the
 * size limit) 1.5-1.8x. The decision and its reason are logged: at INFO when {@code auto} fuses, at
 * DEBUG otherwise.
 */
final class CpuFusedHeads {

    private static final System.Logger LOG = System.getLogger(CpuFusedHeads.class.getName());

    /** Backend property and system property ({@code -Dgraft.cpu.fusedHead}) choosing the mode. */
    static final String PROPERTY = "cpu.fusedHead";
    static final String SYSTEM_PROPERTY = "graft.cpu.fusedHead";

    /** Largest padded kernel (input × output floats) of one layer under the automatic rule: 16 Ki floats = 64 KiB. */
    static final int MAX_LAYER_FLOATS = 16 * 1024;

    /** Fewest floats per vector for which {@code auto} fuses: 256-bit vectors measured 2x slower than OpenBLAS. */
    static final int MIN_AUTO_LANES = 16;

    /** Smallest batch (the plan's maximum) for which {@code auto} may fuse: at 64 rows the fused step was 1.03-1.11x. */
    static final int MIN_AUTO_BATCH = 128;

    /**
     * Whether {@code auto} fuses a head that passes the whole rule. False for now: within the rule the
     * paired timings on the loaded development machine put the fused step level with the layer-by-layer
     * path (0.93-1.10x at batch 256), not measurably faster. Set it after {@code bench/fused-head.sh} on
     * an idle machine shows the fused step faster at batch 256.
     */
    static final boolean AUTO_FUSES_WITHIN_RULE = false;

    enum Mode { AUTO, ON, OFF }

    /** {@code -Dgraft.cpu.vectorApi=false} keeps the plain loops even where the Vector API is present. */
    static final String VECTOR_PROPERTY = "graft.cpu.vectorApi";

    /**
     * Whether the JVM has {@code jdk.incubator.vector} (started with {@code --add-modules
     * jdk.incubator.vector}) with vectors of at most {@link CpuFusedHead#LANES} floats, and it is not
     * switched off. Checked without touching the module's classes.
     */
    static boolean vectorApi() {
        return VectorHolder.AVAILABLE;
    }

    private static final class VectorHolder {
        static final boolean AVAILABLE = probeVectorApi();
    }

    private static boolean probeVectorApi() {
        if (!Boolean.parseBoolean(System.getProperty(VECTOR_PROPERTY, "true"))
                || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return false;
        }
        try {
            int lanes = CpuTiledKernels.SPECIES.length();
            return lanes > 1 && CpuFusedHead.LANES % lanes == 0;
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }

    private CpuFusedHeads() {
    }

    static Mode mode(String value) {
        try {
            return Mode.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PROPERTY + " must be auto, on or off, got '" + value + "'");
        }
    }

    static Optional<FusedDenseHead.Head> fuse(Mode mode, List<FusedDenseHead.DenseLayer> layers,
                                              FusedDenseHead.UpdateRule rule, int maxBatch, boolean inputGradient, boolean vector) {
        String shape = layers.get(0).inputWidth() + "-" + layers.stream().map(l -> String.valueOf(l.outputWidth()))
                .collect(Collectors.joining("-"));
        String unsupported = unsupported(layers);
        String decline = unsupported != null ? unsupported : switch (mode) {
            case OFF -> PROPERTY + "=off";
            case ON -> null;
            case AUTO -> autoDecline(layers, maxBatch, inputGradient, vector);
        };
        if (decline != null) {
            LOG.log(System.Logger.Level.DEBUG, () -> "dense head " + shape + ": OpenBLAS per layer (" + decline + ")");
            return Optional.empty();
        }
        LOG.log(mode == Mode.AUTO ? System.Logger.Level.INFO : System.Logger.Level.DEBUG, () -> "dense head " + shape
                + ": fused Java pass, " + (vector ? "Vector API, " + CpuTiledKernels.SPECIES.length() + " floats per vector" : "plain loops")
                + " (" + PROPERTY + "=" + mode.name().toLowerCase(Locale.ROOT)
                + (mode == Mode.AUTO ? ": within the shape rule, measured faster than OpenBLAS per layer" : "") + ")");
        return Optional.of(vector ? new CpuTiledHead(layers, rule, inputGradient) : new CpuFusedHead(layers, rule, inputGradient));
    }

    /** The activations the fused kernels compute; any other keeps the head on the per-layer path. */
    private static final java.util.Set<Activation.Kind> FUSED_ACTIVATIONS = java.util.EnumSet.of(Activation.Kind.IDENTITY,
            Activation.Kind.RELU, Activation.Kind.LEAKY_RELU, Activation.Kind.ELU, Activation.Kind.TANH, Activation.Kind.SIGMOID);

    private static String unsupported(List<FusedDenseHead.DenseLayer> layers) {
        for (FusedDenseHead.DenseLayer l : layers) {
            if (l.activation().kind() == Activation.Kind.SOFTMAX) {
                return "softmax inside the head";
            }
            if (!FUSED_ACTIVATIONS.contains(l.activation().kind())) {
                return "activation " + l.activation() + " has no fused kernel";
            }
            if (!(l.kernel() instanceof CpuBuffer) || !(l.bias() instanceof CpuBuffer)) {
                return "buffers of another backend";
            }
        }
        return null;
    }

    /** Why the automatic rule declines, or null when it fuses. */
    private static String autoDecline(List<FusedDenseHead.DenseLayer> layers, int maxBatch, boolean inputGradient, boolean vector) {
        if (!vector) {
            return "the JVM lacks --add-modules jdk.incubator.vector, and the plain loops measured 4-5x slower than OpenBLAS";
        }
        int lanes = CpuTiledKernels.SPECIES.length();
        if (lanes < MIN_AUTO_LANES) {
            return "vectors of " + lanes + " floats (the fused pass beats OpenBLAS with " + MIN_AUTO_LANES + "); "
                    + SYSTEM_PROPERTY + "=on uses it anyway";
        }
        if (maxBatch < MIN_AUTO_BATCH) {
            return "batches of at most " + maxBatch + " rows (the fused pass was level with OpenBLAS per layer at 64, "
                    + "faster from " + MIN_AUTO_BATCH + ")";
        }
        String shape = declinedByShape(layers, inputGradient);
        if (shape != null || AUTO_FUSES_WITHIN_RULE) {
            return shape;
        }
        return "within the rule, but level with OpenBLAS per layer in paired timings (bench/RESULTS.md, issue 19); "
                + SYSTEM_PROPERTY + "=on uses it";
    }

    private static String declinedByShape(List<FusedDenseHead.DenseLayer> layers, boolean inputGradient) {
        if (inputGradient) {
            return "a layer below the head needs its input gradient (not measured fused)";
        }
        for (FusedDenseHead.DenseLayer l : layers) {
            long floats = (long) l.inputWidth() * CpuFusedHead.padded(l.outputWidth());
            if (floats > MAX_LAYER_FLOATS) {
                return "layer '" + l.name() + "' " + l.inputWidth() + "x" + l.outputWidth() + " is larger than "
                        + MAX_LAYER_FLOATS + " floats";
            }
        }
        return null;
    }
}
