package dev.graft.cli;

/**
 * A problem with what the user asked for (a missing file, a layer that does not exist, data that does
 * not fit the model), reported as one line: what is wrong, then what to do about it.
 */
public final class CliException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String hint;

    public CliException(String message, String hint) {
        super(message);
        this.hint = hint;
    }

    public CliException(String message, String hint, Throwable cause) {
        super(message, cause);
        this.hint = hint;
    }

    /** What the user can do, or null. */
    public String hint() {
        return hint;
    }
}
