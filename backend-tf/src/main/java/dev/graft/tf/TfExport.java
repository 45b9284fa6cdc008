package dev.graft.tf;

import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.io.TempFiles;
import dev.graft.spi.BackendOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.Scope;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.types.TFloat32;

/**
 * Hands a Graft model to TensorFlow: as a SavedModel (tag {@code serve}, signature
 * {@code serving_default} with input {@code input} {@code float32[?, inputWidth]} and output
 * {@code output}), or as a V2 checkpoint that TF's {@code Saver} / {@code Session.restore} reads.
 * Variables are named like TF's {@code fully_connected} layers: {@code <layer>/weights}
 * ({@code [in, out]}) and {@code <layer>/biases}, the names Graft's loader reads back.
 */
public final class TfExport {

    /** Signature input and output keys, also the graph's tensor names ({@code input:0}, {@code output:0}). */
    public static final String INPUT = "input";
    public static final String OUTPUT = "output";
    /** The start of the {@code .meta}'s link to its {@code .index}; the same text as graft-loader's CheckpointSet.STAMP. */
    public static final String INDEX_STAMP = "graft-index-sha256:";

    private TfExport() {
    }

    /**
     * Writes a SavedModel into {@code dir}, which must not exist yet. The model is written beside it
     * and renamed into place, so a failure never leaves a half-written directory at {@code dir}.
     *
     * @throws IllegalArgumentException if {@code dir} exists or a layer name is not a valid TF name
     */
    public static void savedModel(Model model, Path dir) {
        if (Files.exists(dir)) {
            throw new IllegalArgumentException("SavedModel directory already exists: " + dir);
        }
        Path tmp = TempFiles.nameFor(dir);
        TempFiles.sweep(tmp.getParent());
        try (Built built = build(model)) {
            Signature signature = Signature.builder(Signature.DEFAULT_KEY)
                    .input(INPUT, built.input).output(OUTPUT, built.output).build();
            SavedModelBundle.exporter(tmp.toString()).withSession(built.session).withSignature(signature).export();
            move(tmp, dir);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException("could not write SavedModel to " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    /**
     * Writes a V2 checkpoint at {@code prefix} ({@code prefix.index} and
     * {@code prefix.data-00000-of-00001}; TF writes each under a temporary name and renames it) and
     * the inference graph as {@code prefix.meta}, so that readers (Graft's loader, TF's
     * {@code import_meta_graph}) recover the activations, not just the tensors. The {@code .meta}, written
     * last, records the SHA-256 of the {@code .index} in {@code meta_info_def.meta_graph_version}
     * ({@value #INDEX_STAMP}{@code <hex>}, as Graft's loader writes and checks it), so a set mixed by an
     * interrupted write is refused on load instead of read as a model.
     */
    public static void checkpoint(Model model, Path prefix) {
        try (Built built = build(model)) {
            Path parent = prefix.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            built.session.save(prefix.toString());
            Path meta = Path.of(prefix + ".meta");
            TempFiles.sweep(meta.toAbsolutePath().getParent());
            Path tmp = TempFiles.createFile(meta);
            try {
                MetaGraphDef def = MetaGraphDef.newBuilder().setGraphDef(built.graph.toGraphDef())
                        .setMetaInfoDef(MetaGraphDef.MetaInfoDef.newBuilder()
                                .setMetaGraphVersion(INDEX_STAMP + sha256(Path.of(prefix + ".index"))))
                        .build();
                Files.write(tmp, def.toByteArray());
                move(tmp, meta);
            } finally {
                deleteQuietly(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write checkpoint " + prefix + ": " + e.getMessage(), e);
        }
    }

    /** The model's inference graph with its parameters loaded, in a fresh session. */
    private static Built build(Model model) {
        TfLayers.requireExportable(model);
        for (Layer layer : model.layers()) {
            if (!Scope.isValidOpName(layer.name())) {
                throw new IllegalArgumentException("layer name '" + layer.name() + "' is not a valid TensorFlow name "
                        + "(must start with a letter, digit or '.'); rename the layer before exporting");
            }
        }
        TfRuntime.load();
        Graph graph = new Graph();
        try {
            Ops tf = Ops.create(graph);
            TfModelGraph params = new TfModelGraph(tf, model, i -> model.layer(i).name(), "TF export (SavedModel/checkpoint)");
            Placeholder<TFloat32> input = tf.withName(INPUT).placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1, model.inputWidth())));
            Operand<TFloat32> output = tf.withName(OUTPUT).identity(params.forward(tf.withSubScope("forward"), input));
            Session session = new Session(graph, TfRuntime.sessionConfig(BackendOptions.defaults()));
            try {
                params.load(session);
            } catch (RuntimeException e) {
                session.close();
                throw e;
            }
            return new Built(graph, session, input, output);
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    private record Built(Graph graph, Session session, Placeholder<TFloat32> input, Operand<TFloat32> output)
            implements AutoCloseable {
        @Override
        public void close() {
            session.close();
            graph.close();
        }
    }

    private static String sha256(Path file) throws IOException {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(Files.readAllBytes(file)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a leftover temporary directory beside the target
        }
    }
}
