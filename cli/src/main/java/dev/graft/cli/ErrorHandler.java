package dev.graft.cli;

import dev.graft.spi.BackendUnavailableException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;

/**
 * Turns any failure into one line on standard error (what went wrong, naming the file, layer or
 * shape, and what to do) and a non-zero exit code: 2 for a malformed command line, 1 for everything
 * else. With {@code --debug} the stack trace follows.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {

    static final int USAGE = 2;
    static final int FAILED = 1;

    private final Graft root;

    ErrorHandler(Graft root) {
        this.root = root;
    }

    @Override
    public int handleParseException(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        String message = e.getMessage() + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')";
        if (root.json || java.util.Arrays.asList(args).contains("--json")) {
            printJson(cmd, message, USAGE);
        }
        err.println(cmd.getCommandName() + ": " + message);
        if (root.debug) {
            e.printStackTrace(err);
        }
        err.flush();
        return USAGE;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        if (root.json) {
            printJson(cmd, describe(e), FAILED);
        }
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + describe(e));
        if (root.debug) {
            e.printStackTrace(err);
        }
        err.flush();
        return FAILED;
    }

    /**
     * Under {@code --json}, the error as the one JSON object on standard output (where the result
     * would have been), so a script reading it gets JSON either way; the line on standard error stays.
     */
    private static void printJson(CommandLine cmd, String message, int exitCode) {
        java.util.Map<String, Object> j = Json.object();
        j.put("command", cmd.getCommandName());
        j.put("error", message);
        j.put("exitCode", exitCode);
        cmd.getOut().println(Json.write(j));
        cmd.getOut().flush();
    }

    /** The one-line message for {@code e}. */
    static String describe(Throwable e) {
        Throwable t = e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : e;
        String message = t.getMessage() == null ? "" : t.getMessage().strip().replace('\n', ' ');
        if (t instanceof CliException c) {
            return c.hint() == null ? message : message + "; " + c.hint();
        }
        if (t instanceof NoSuchFileException n) {
            return "no such file: " + n.getFile() + "; check the path";
        }
        if (t instanceof FileNotFoundException || t instanceof AccessDeniedException) {
            return "cannot open " + message + "; check the path and its permissions";
        }
        if (t instanceof FileAlreadyExistsException f) {
            return f.getFile() + " already exists";
        }
        if (t instanceof BackendUnavailableException) {
            return message + " (run 'graft backends' to see what is present here)";
        }
        if (t instanceof ArithmeticException && message.contains("overflow")) {
            return "a size is too large for one Java array (" + message + "): the data times its width, or a layer's "
                    + "inputs times its units, passes 2^31 values; use less data (--limit, --per-class) or fewer units";
        }
        if (t instanceof IOException || t instanceof IllegalArgumentException || t instanceof IllegalStateException) {
            return message.isEmpty() ? t.getClass().getSimpleName() : message;
        }
        return "internal error: " + t + " (run with --debug for the stack trace, and please report it)";
    }
}
