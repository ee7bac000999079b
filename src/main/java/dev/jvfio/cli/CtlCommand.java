package dev.jvfio.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvfio.control.ControlClient;
import dev.jvfio.control.ControlRequest;
import dev.jvfio.control.StatusText;
import dev.jvfio.device.Fault;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code jvfio ctl}: talks to a running serve's control socket (docs/faults.md). */
@Command(
        name = "ctl",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Look at and act on the devices a running 'jvfio serve' serves.",
        description = {
            "Talks to the control socket of 'jvfio serve' (control.sock beside its device",
            "sockets, or --control). Commands: status, unplug DEV, inject DEV FAULT, recover DEV."
        },
        subcommands = {
            CtlCommand.Status.class,
            CtlCommand.Unplug.class,
            CtlCommand.Inject.class,
            CtlCommand.Recover.class
        })
final class CtlCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--control",
            paramLabel = "PATH",
            description = "serve's control socket (default: control.sock in $XDG_RUNTIME_DIR/jvfio, else ./run).")
    Path control;

    @Override
    public void run() {
        throw new UsageError("a ctl command is needed: status, unplug DEV, inject DEV FAULT [--for MS], recover DEV");
    }

    Path socket() {
        if (control != null) PathArgs.requireSocket("--control", control);
        return control != null
                ? control.toAbsolutePath()
                : SocketPaths.directory(System.getenv()).resolve("control.sock");
    }

    /** Sends one request; prints the error and returns false when serve refused it. */
    JsonNode call(ControlRequest r) {
        Path path = socket();
        JsonNode answer;
        try {
            answer = ControlClient.call(path, r);
        } catch (IOException e) {
            throw new CommandFailure(
                    "cannot talk to serve's control socket " + path + ": " + e.getMessage()
                            + " (is 'jvfio serve' running? its socket may be elsewhere: --control PATH)",
                    e);
        }
        if (!answer.path("ok").asBoolean(false)) {
            throw new CommandFailure(answer.path("error").asText("serve refused the request"));
        }
        return answer;
    }

    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            description =
                    "Per device: profile, client, DMA windows, IRQs armed, resets, counters, messages and errors.")
    static final class Status implements Callable<Integer> {
        @ParentCommand
        CtlCommand ctl;

        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "Print serve's answer as JSON, for scripts.")
        boolean json;

        @Override
        public Integer call() {
            JsonNode answer = ctl.call(new ControlRequest("status", null, null, null));
            PrintWriter out = spec.commandLine().getOut();
            out.print(json ? answer.toPrettyString() + "\n" : StatusText.render(answer));
            out.flush();
            return 0;
        }
    }

    @Command(
            name = "unplug",
            mixinStandardHelpOptions = true,
            description = {
                "Ask the VMM to let the device go (REQ interrupt, QMP device_del) and wait until",
                "its client disconnected or serve's --detach-timeout passed. Exit 1 if it did not detach."
            })
    static final class Unplug implements Callable<Integer> {
        @ParentCommand
        CtlCommand ctl;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "DEV", description = "The device's name, e.g. gpu0.")
        String device;

        @Override
        public Integer call() {
            JsonNode answer = ctl.call(new ControlRequest("unplug", device, null, null));
            return report(spec, answer, answer.path("detached").asBoolean(false));
        }
    }

    @Command(
            name = "inject",
            mixinStandardHelpOptions = true,
            description = {
                "Make the device fail: error, fall-off-bus, stall (with --for), reset-fail.",
                "See docs/faults.md for what the guest and QEMU see."
            })
    static final class Inject implements Callable<Integer> {
        @ParentCommand
        CtlCommand ctl;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DEV", description = "The device's name, e.g. gpu0.")
        String device;

        @Parameters(index = "1", paramLabel = "FAULT", description = "error, fall-off-bus, stall or reset-fail.")
        String fault;

        @Option(names = "--for", paramLabel = "MS", description = "How long a stall lasts, 1 to 60000 ms.")
        Long forMs;

        @Override
        public Integer call() {
            Fault f = Fault.byCliName(fault);
            if (f == null) {
                throw new UsageError("'" + fault + "' is not a fault; allowed: error, fall-off-bus, stall, reset-fail");
            }
            if (f == Fault.STALL && forMs == null) {
                throw new UsageError("a stall needs --for MS (1 to " + ControlRequest.MAX_FOR_MS + ")");
            }
            if (forMs != null && (forMs < 1 || forMs > ControlRequest.MAX_FOR_MS)) {
                throw new UsageError("--for " + forMs + " is out of range; allowed: 1 to " + ControlRequest.MAX_FOR_MS);
            }
            if (forMs != null && f != Fault.STALL) {
                throw new UsageError("--for is for stall only; " + fault + " lasts until 'jvfio ctl recover'");
            }
            JsonNode answer =
                    ctl.call(new ControlRequest("inject", device, f, forMs == null ? null : Duration.ofMillis(forMs)));
            return report(spec, answer, true);
        }
    }

    @Command(
            name = "recover",
            mixinStandardHelpOptions = true,
            description = "End the device's faults (it then may need a reset, as hardware does).")
    static final class Recover implements Callable<Integer> {
        @ParentCommand
        CtlCommand ctl;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "DEV", description = "The device's name, e.g. gpu0.")
        String device;

        @Override
        public Integer call() {
            return report(spec, ctl.call(new ControlRequest("recover", device, null, null)), true);
        }
    }

    static int report(CommandSpec spec, JsonNode answer, boolean success) {
        PrintWriter out = spec.commandLine().getOut();
        out.println(
                answer.path("device").asText() + ": " + answer.path("message").asText());
        out.flush();
        return success ? 0 : Main.EXIT_FAILURE;
    }
}
