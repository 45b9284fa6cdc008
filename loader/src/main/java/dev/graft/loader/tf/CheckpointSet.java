package dev.graft.loader.tf;

import dev.graft.loader.ModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.tensorflow.proto.MetaGraphDef;

/**
 * Ties a checkpoint's {@code .meta} graph to the {@code .index} it was written with, so that a set mixed from two
 * writes (an export killed between its files, files copied by hand) is refused instead of loading new weights
 * under an old graph. Graft's writers put {@value #STAMP}{@code <SHA-256 of the .index file>} into the meta
 * graph's {@code meta_info_def.meta_graph_version} (a free-form string TensorFlow keeps but does not interpret),
 * the {@code .meta} being written last. The {@code .index} in turn holds the CRC32C of every tensor in the
 * {@code .data} shards, which {@link TensorBundle} checks on every read. A {@code .meta} without the stamp
 * (TensorFlow's own {@code Saver}) is not checked: TensorFlow records no such link.
 */
public final class CheckpointSet {

    /** The start of the stamp; TfExport in graft-backend-tf writes the same text. */
    public static final String STAMP = "graft-index-sha256:";

    private CheckpointSet() {
    }

    /** The stamp for {@code index}, to put into the {@code .meta} written after it. */
    public static String stamp(Path index) throws IOException {
        return STAMP + sha256(index);
    }

    /**
     * Checks that {@code meta} (the graph read from file {@code metaFile}) was written with the {@code .index}
     * beside it, when it carries Graft's stamp.
     *
     * @throws ModelFileException naming both files when they come from different writes
     */
    static void verify(Path metaFile, MetaGraphDef meta) throws IOException {
        String version = meta.getMetaInfoDef().getMetaGraphVersion();
        if (!version.startsWith(STAMP)) {
            return;
        }
        String name = metaFile.getFileName().toString();
        if (!name.endsWith(".meta")) {
            return;
        }
        Path index = metaFile.resolveSibling(name.substring(0, name.length() - ".meta".length()) + ".index");
        if (!Files.isRegularFile(index)) {
            throw new ModelFileException(metaFile, "was written together with " + index + ", which is missing; "
                    + "the checkpoint is incomplete (an interrupted write?): export it again");
        }
        String expected = version.substring(STAMP.length());
        String actual = sha256(index);
        if (!actual.equalsIgnoreCase(expected)) {
            throw new ModelFileException(metaFile, "and " + index.getFileName() + " come from different writes (the .meta "
                    + "records .index SHA-256 " + abbreviate(expected) + ", the .index beside it has " + abbreviate(actual)
                    + "): a mixed checkpoint, e.g. from an interrupted export; export it again or restore the matching files");
        }
    }

    private static String abbreviate(String hex) {
        return hex.length() > 12 ? hex.substring(0, 12) + "…" : hex;
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (var in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                digest.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
