package dev.graft.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every subcommand shares: the output streams picocli was given (so tests can capture them)
 * and the global flags declared on {@link Graft}.
 */
abstract class BaseCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** Results: tables, summaries, JSON. */
    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Progress and notes. */
    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    Graft root() {
        return (Graft) spec.root().userObject();
    }

    boolean quiet() {
        return root().quiet || root().json;
    }

    boolean json() {
        return root().json;
    }

    /** A note for humans on standard error, unless --quiet or --json. */
    void note(String text) {
        if (!quiet()) {
            err().println(text);
            err().flush();
        }
    }

    @Override
    public final Integer call() throws Exception {
        int code = run();
        out().flush();
        err().flush();
        return code;
    }

    /** Does the work; returns the exit code. */
    abstract int run() throws Exception;
}
