package dev.graft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Runs the CLI in-process with captured output. */
final class Cli {

    /** What one invocation returned and printed. */
    record Run(int code, String out, String err) {
        JsonNode json() {
            try {
                return new ObjectMapper().readTree(out);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + out + "\nstderr: " + err, e);
            }
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- out:\n" + out + "--- err:\n" + err;
        }
    }

    private Cli() {
    }

    static Run run(Object... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] strings = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            strings[i] = args[i] instanceof Path p ? p.toString() : String.valueOf(args[i]);
        }
        int code = Graft.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(strings);
        return new Run(code, out.toString(), err.toString());
    }

    /** The repository root (surefire sets graft.repoRoot), for the bundled Fashion-MNIST subset. */
    static Path repoRoot() {
        String root = System.getProperty("graft.repoRoot");
        return root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    }
}
