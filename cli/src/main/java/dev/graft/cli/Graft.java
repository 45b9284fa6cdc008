package dev.graft.cli;

import java.io.PrintWriter;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code graft} command: transfer learning from a terminal. Each job is a subcommand; the flags
 * declared here ({@code --debug}, {@code --quiet}, {@code --json}) are accepted by every subcommand.
 */
@Command(name = "graft",
        mixinStandardHelpOptions = true,
        versionProvider = Graft.Version.class,
        description = "Transfer learning on whatever hardware is present: copy a trained network's lower layers, "
                + "freeze some, put a new head on top, cache the frozen part's outputs, train.",
        subcommands = {
                DemoCommand.class,
                InspectCommand.class,
                TransferCommand.class,
                TrainCommand.class,
                EvaluateCommand.class,
                FeaturizeCommand.class,
                BackendsCommand.class,
                CacheCommand.class,
                CommandLine.HelpCommand.class
        })
public final class Graft implements Runnable {

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "On an error, print the stack trace; log at debug level.")
    boolean debug;

    @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT,
            description = "Print only the results (no progress, no per-epoch lines).")
    boolean quiet;

    @Option(names = "--json", scope = ScopeType.INHERIT,
            description = "Print the results as one JSON object on standard output (no tables, no progress).")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** A command line with Graft's error handling, printing to the given writers. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        Graft root = new Graft();
        CommandLine cmd = new CommandLine(root);
        ErrorHandler errors = new ErrorHandler(root);
        cmd.setOut(out);
        cmd.setErr(err);
        cmd.setExecutionExceptionHandler(errors);
        cmd.setParameterExceptionHandler(errors);
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        return cmd;
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        configureLogging(java.util.Arrays.asList(args).contains("--debug"));
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = commandLine(out, err).execute(args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** The CLI reports what matters itself; library INFO logs (backend choice...) only show with --debug. */
    private static void configureLogging(boolean debug) {
        Logger root = Logger.getLogger("");
        Level level = debug ? Level.FINE : Level.WARNING;
        root.setLevel(level);
        for (var handler : root.getHandlers()) {
            handler.setLevel(level);
        }
    }

    /** The version from the jar's manifest (or "development" when run from classes). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Graft.class.getPackage().getImplementationVersion();
            return new String[] {"graft " + (v == null ? "(development build)" : v),
                    "Java " + System.getProperty("java.version") + " on " + System.getProperty("os.name") + " "
                            + System.getProperty("os.arch")};
        }
    }
}
