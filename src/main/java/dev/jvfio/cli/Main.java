package dev.jvfio.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;

/** Entry point of the jvfio command: a picocli tree of subcommands. Exit 0 ok, 1 failure, 2 bad usage. */
@Command(name = "jvfio", mixinStandardHelpOptions = true, version = "jvfio 0.1.0",
        description = "A vfio-user PCI device server with a simulated NVIDIA Grace Hopper GPU.",
        subcommands = {ServeCommand.class, LspciCommand.class, QemuArgsCommand.class, BenchCommand.class, FuzzCommand.class,
            PeekCommand.class, CtlCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    @picocli.CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is needed: serve, lspci, qemu-args or bench");
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests and main share this). */
    public static int run(String... args) {
        CommandLine cl = commandLine();
        return cl.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler(Main::usage);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> failure(ex, cmd));
        return cl;
    }

    private static int usage(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, err)) {
            err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        }
        err.flush();
        return EXIT_USAGE;
    }

    private static int failure(Exception ex, CommandLine cmd) {
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        if (ex instanceof UsageError) {
            err.println(name + ": " + ex.getMessage());
            err.println("Try '" + name + " --help' for more information.");
            err.flush();
            return EXIT_USAGE;
        }
        if (ex instanceof CommandFailure) {
            err.println(name + ": " + ex.getMessage());
            if (ex.getCause() != null && System.getenv("JVFIO_DEBUG") != null) ex.getCause().printStackTrace(err);
            err.flush();
            return EXIT_FAILURE;
        }
        err.println(name + ": internal error: " + ex);
        ex.printStackTrace(err);
        err.flush();
        return EXIT_FAILURE;
    }
}
