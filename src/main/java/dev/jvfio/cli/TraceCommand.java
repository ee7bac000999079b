package dev.jvfio.cli;

import dev.jvfio.trace.CommandFilter;
import dev.jvfio.trace.TraceOptions;
import dev.jvfio.trace.TraceProxy;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Wires {@code jvfio trace} to the decoding proxy of package dev.jvfio.trace. */
@Command(
        name = "trace",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Sit between a vfio-user client and server and print every message.",
        description = {
            "Listens on --listen; for each client (e.g. QEMU given that socket) connects to",
            "the server on --connect and forwards every message both ways unchanged, file",
            "descriptors included, printing one line per message on stdout: time,",
            "connection, direction, id, command, type, errno, the decoded fields and the",
            "round-trip time of each reply. Runs until SIGINT or SIGTERM. docs/trace.md",
            "describes the output."
        })
final class TraceCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--listen",
            paramLabel = "PATH",
            required = true,
            description = "Socket to create and listen on; give this path to the client instead of the server's.")
    Path listen;

    @Option(names = "--connect", paramLabel = "PATH", required = true, description = "The server's socket.")
    Path connect;

    @Option(
            names = "--json",
            paramLabel = "FILE",
            description =
                    "Also write every message (never filtered) as JSON lines to FILE, with its bytes: the replay tests read it.")
    Path json;

    @Option(names = "--hex", description = "Print each message's bytes under its line (the first 4 KiB).")
    boolean hex;

    @Option(
            names = "--filter",
            paramLabel = "CMDS",
            description =
                    "Print only these commands (names or numbers, comma-separated; -NAME leaves one out, e.g. --filter=-REGION_READ,-REGION_WRITE).")
    String filter;

    @Override
    public Integer call() throws Exception {
        if (listen.toString().isEmpty()) throw new UsageError("--listen: the path is empty");
        PathArgs.requireSocket("--connect", connect);
        CommandFilter commands;
        try {
            commands = filter == null ? CommandFilter.all() : CommandFilter.parse(filter);
        } catch (IllegalArgumentException e) {
            throw new UsageError("--filter: " + e.getMessage());
        }
        if (listen.toAbsolutePath().normalize().equals(connect.toAbsolutePath().normalize())) {
            throw new UsageError("--listen and --connect are the same socket (" + listen
                    + "); the proxy listens on a path of its own");
        }
        if (Files.exists(listen, LinkOption.NOFOLLOW_LINKS) && !PathArgs.isSocket(listen)) {
            throw new CommandFailure(listen + " exists and is not a socket; not touching it (choose another --listen)");
        }
        if (json != null && Files.isDirectory(json)) {
            throw new UsageError("--json " + json + " is a directory; give a file name");
        }
        Path jsonDir = json == null ? null : json.toAbsolutePath().getParent();
        if (jsonDir != null && !Files.isDirectory(jsonDir)) {
            throw new CommandFailure("--json " + json + ": directory " + jsonDir + " does not exist");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!PathArgs.isSocket(connect)) {
            info(err, "no socket at " + connect + " yet: each client is disconnected until a server listens there");
        }
        TraceProxy proxy;
        try {
            proxy = TraceProxy.start(new TraceOptions(listen, connect, json, hex, commands), out, m -> info(err, m));
        } catch (IOException e) {
            throw new CommandFailure("cannot start: " + e.getMessage(), e);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            proxy.close();
                            stopped.countDown();
                        },
                        "jvfio-trace-shutdown"));
        info(
                err,
                "ready: listening on " + listen + ", forwarding to " + connect
                        + (json == null ? "" : "; JSON lines in " + json) + "; Ctrl-C stops");
        stopped.await();
        return 0;
    }

    private static void info(PrintWriter err, String message) {
        synchronized (err) {
            err.println("jvfio trace: " + message);
            err.flush();
        }
    }
}
