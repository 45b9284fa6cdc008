package dev.graft.loader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A model or data file that cannot be read as what it claims to be: truncated, corrupt (checksum
 * mismatch), missing a part, or inconsistent with its own graph. The message always names the file
 * and, where one is involved, the tensor (or layer, or line), so the user knows what to fix.
 */
public class ModelFileException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String item;

    /** A problem with {@code file} as a whole. */
    public ModelFileException(Path file, String message) {
        this(file, null, message, null);
    }

    /** A problem with one tensor / layer / line ({@code item}) of {@code file}. */
    public ModelFileException(Path file, String item, String message) {
        this(file, item, message, null);
    }

    public ModelFileException(Path file, String item, String message, Throwable cause) {
        super(format(file, item, message), cause);
        this.file = file;
        this.item = item;
    }

    private static String format(Path file, String item, String message) {
        return file + (item == null ? "" : " [" + item + "]") + ": " + message;
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }

    /** The tensor, layer or line at fault, when the problem is not the whole file. */
    public Optional<String> item() {
        return Optional.ofNullable(item);
    }
}
