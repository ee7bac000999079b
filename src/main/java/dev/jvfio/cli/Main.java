package dev.jvfio.cli;

import dev.jvfio.daemon.JournalStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Entry point of the jvfio command: a picocli tree of subcommands. Exit 0 ok, 1 failure, 2 bad
 * usage. No path prints a stack trace: an unexpected failure prints one line naming it and the file
 * its details went to.
 */
@Command(
        name = "jvfio",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "A vfio-user PCI device server with a simulated NVIDIA Grace Hopper GPU.",
        subcommands = {
            ServeCommand.class,
            LspciCommand.class,
            QemuArgsCommand.class,
            BenchCommand.class,
            FuzzCommand.class,
            PeekCommand.class,
            TraceCommand.class,
            ConformCommand.class,
            MigrateCommand.class,
            CtlCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;
    public static final String VERSION = "jvfio 0.1.0";

    /** The version every command prints for -V and --version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {VERSION};
        }
    }

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is needed: " + commands(spec.commandLine()));
    }

    /** The commands --help lists, as "serve, lspci, ... or peek". */
    static String commands(CommandLine cl) {
        List<String> names = cl.getSubcommands().entrySet().stream()
                .filter(e -> !e.getValue().getCommandSpec().usageMessage().hidden()
                        && !e.getKey().equals("help"))
                .map(e -> e.getKey())
                .toList();
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast();
    }

    public static void main(String[] args) {
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            System.err.println("jvfio: internal error in thread " + t.getName() + ": " + firstLine(e) + details(e));
            System.err.flush();
        });
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests and main share this). */
    public static int run(String... args) {
        CommandLine cl = commandLine();
        return cl.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.registerConverter(Path.class, new Converters.FilePath());
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

    static int failure(Exception ex, CommandLine cmd) {
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        // under systemd the journal files the message as an error (journalctl -p err shows it)
        String level = JournalStream.isStandardError(System.getenv()) ? JournalStream.prefix(JournalStream.ERR) : "";
        if (ex instanceof UsageError) {
            err.println(level + name + ": " + ex.getMessage());
            err.println("Try '" + name + " --help' for more information.");
            err.flush();
            return EXIT_USAGE;
        }
        if (ex instanceof CommandFailure) {
            err.println(level + name + ": " + ex.getMessage());
            if (ex.getCause() != null && System.getenv("JVFIO_DEBUG") != null)
                ex.getCause().printStackTrace(err);
            err.flush();
            return EXIT_FAILURE;
        }
        err.println(level + name + ": internal error: " + firstLine(ex) + details(ex));
        err.flush();
        return EXIT_FAILURE;
    }

    private static String firstLine(Throwable e) {
        String s = e.toString();
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Writes the stack trace to a new private file; "; details in FILE", or why it could not. */
    static String details(Throwable e) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        try {
            Path file = Files.createTempFile("jvfio-error-", ".txt"); // mode 0600
            Files.writeString(file, VERSION + "\n" + trace);
            return "; details in " + file;
        } catch (IOException | RuntimeException io) {
            return " (no details file: " + Reasons.of(io) + ")";
        }
    }
}
