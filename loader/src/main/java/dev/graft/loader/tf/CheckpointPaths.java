package dev.graft.loader.tf;

import dev.graft.loader.ModelFileException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Turns what a user points at — a checkpoint prefix, one of its files, a {@code checkpoint} state file
 * or the directory holding one — into the checkpoint prefix to read.
 */
public final class CheckpointPaths {

    /** The state file {@code tf.train.Saver} and {@code tf.train.CheckpointManager} maintain. */
    public static final String STATE_FILE = "checkpoint";

    private static final Pattern LATEST = Pattern.compile("(?m)^\\s*model_checkpoint_path\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern DATA_SUFFIX = Pattern.compile("\\.data-\\d{5}-of-\\d{5}$");

    private CheckpointPaths() {
    }

    /** Whether {@code path} looks like a V2 checkpoint in any of the accepted spellings. */
    public static boolean isCheckpoint(Path path) {
        try {
            return Files.isRegularFile(TensorBundle.indexPath(resolve(path)));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The prefix for {@code path}: a state file or directory resolves to its latest checkpoint;
     * {@code x.index}, {@code x.meta} and {@code x.data-N-of-M} resolve to {@code x}.
     *
     * @throws ModelFileException naming the state file when its latest checkpoint is missing
     */
    public static Path resolve(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            Path state = path.resolve(STATE_FILE);
            if (Files.isRegularFile(state)) {
                return fromStateFile(state);
            }
            List<Path> indexes = new ArrayList<>();
            try (Stream<Path> files = Files.list(path)) {
                files.filter(f -> f.getFileName().toString().endsWith(".index")).forEach(indexes::add);
            }
            if (indexes.size() == 1) {
                return stripSuffix(indexes.get(0));
            }
            throw new ModelFileException(path, indexes.isEmpty()
                    ? "directory has no checkpoint (no 'checkpoint' state file and no .index file)"
                    : "directory has " + indexes.size() + " checkpoints and no 'checkpoint' state file; name one prefix");
        }
        if (path.getFileName() != null && path.getFileName().toString().equals(STATE_FILE) && Files.isRegularFile(path)) {
            return fromStateFile(path);
        }
        return stripSuffix(path);
    }

    /** The {@code .meta} graph written next to a {@code tf.train.Saver} checkpoint, if there is one. */
    public static Optional<Path> metaGraph(Path prefix) {
        Path meta = prefix.resolveSibling(prefix.getFileName() + ".meta");
        return Files.isRegularFile(meta) ? Optional.of(meta) : Optional.empty();
    }

    private static Path stripSuffix(Path file) {
        String name = file.getFileName().toString();
        String base = DATA_SUFFIX.matcher(name).replaceFirst("");
        for (String suffix : new String[] {".index", ".meta"}) {
            if (base.endsWith(suffix)) {
                base = base.substring(0, base.length() - suffix.length());
            }
        }
        return file.resolveSibling(base);
    }

    private static Path fromStateFile(Path state) throws IOException {
        String text = Files.readString(state, StandardCharsets.UTF_8);
        Matcher m = LATEST.matcher(text);
        if (!m.find()) {
            throw new ModelFileException(state, "state file has no model_checkpoint_path line");
        }
        Path named = Path.of(m.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
        Path dir = state.toAbsolutePath().getParent();
        Path prefix = named.isAbsolute() ? named : dir.resolve(named);
        if (!Files.isRegularFile(TensorBundle.indexPath(prefix))) {
            // Checkpoint directories are often moved; TF itself falls back to the state file's directory.
            Path local = dir.resolve(named.getFileName());
            if (Files.isRegularFile(TensorBundle.indexPath(local))) {
                return local;
            }
            throw new ModelFileException(state, m.group(1), "latest checkpoint named by the state file is missing ("
                    + TensorBundle.indexPath(prefix) + " does not exist)");
        }
        return prefix;
    }
}
