package dev.jvfio.cli;

import dev.jvfio.device.VfioDevice;
import dev.jvfio.qemu.VfioUserPciJson;
import dev.jvfio.units.ByteSize;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        header = "Serve simulated GPUs (or the sample device) on vfio-user sockets.",
        description = {
            "Serves simulated devices, each on its own vfio-user socket, until",
            "SIGINT or SIGTERM. With no options: one GH200 on",
            "$XDG_RUNTIME_DIR/jvfio/gpu0.sock (else ./run/gpu0.sock)."
        })
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--socket",
            paramLabel = "PATH",
            description =
                    "Socket to serve on; repeat once per device (default: $XDG_RUNTIME_DIR/jvfio/gpuN.sock, else ./run/gpuN.sock).")
    List<Path> sockets = new ArrayList<>();

    @Option(
            names = "--profile",
            paramLabel = "NAME",
            description = "Device profile: gh200 (default), gh200-480gb, gh200-sku, gb200, gb300, sample.")
    String profile;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "JSON file describing the devices (see docs/profiles.md).")
    Path config;

    @Option(
            names = "--gpus",
            paramLabel = "N",
            description = "Number of devices, 1 to 256 (default: one per --socket, else 1).")
    Integer gpus;

    @Option(
            names = "--mem-size",
            paramLabel = "SIZE",
            converter = Converters.Size.class,
            description =
                    "Device memory per GPU, e.g. 96G (default: the profile's): 1.5G to 64T for the GH200 profiles, 512M to 64T for gb200/gb300, in multiples of 64K; 64T per server in all.")
    ByteSize memSize;

    @Option(
            names = "--memory-enable",
            paramLabel = "POLICY",
            description =
                    "What trapped BAR access does with the command register's memory-enable bit: ignore (default, upstream), hardware, strict.")
    String memoryEnable;

    @Option(
            names = "--layout",
            paramLabel = "LAYOUT",
            description =
                    "How device memory is exposed: bar (default, upstream BAR2/BAR4) or region (mmap-only device region).")
    String layout;

    @Option(
            names = "--ready-delay",
            paramLabel = "DURATION",
            converter = Converters.Delay.class,
            description = "Time the simulated GPU needs to be ready after a reset, e.g. 2s; 0 to 60m (default: 0).")
    Duration readyDelay;

    @Option(
            names = "--backing-file",
            paramLabel = "PATH",
            description =
                    "Keep device memory in this file instead of a memfd (content survives restarts); repeat once per device.")
    List<Path> backingFiles = new ArrayList<>();

    @Option(
            names = "--resize-backing-file",
            description =
                    "Grow or shrink an existing --backing-file that holds another size to the device memory's (shrinking drops the bytes past the new end); without it such a file is refused.")
    boolean resizeBackingFile;

    @Option(
            names = "--prefault",
            description =
                    "Read each --backing-file once before serving, so its pages are in memory before the guest uses them (shows progress).")
    boolean prefault;

    @Option(
            names = "--socket-group",
            paramLabel = "GROUP",
            description =
                    "Give the sockets this group (name or number) and mode 0660, e.g. the group QEMU runs in (default: mode 0600).")
    String socketGroup;

    @Option(
            names = "--allow-uid",
            paramLabel = "UID",
            description = "Also accept clients running as this uid (repeatable; default: only this user and root).")
    List<Integer> allowUids = new ArrayList<>();

    /** sun_path holds 108 bytes with the terminating NUL (linux/un.h). */
    static final int MAX_SOCKET_PATH_BYTES = 107;

    @Option(
            names = "--allow-group",
            paramLabel = "GROUP",
            description =
                    "Also accept clients in this group (name or number; primary or supplementary), e.g. kvm, the group of libvirt's QEMU on Debian (repeatable).")
    List<String> allowGroups = new ArrayList<>();

    @Option(
            names = "--metrics",
            paramLabel = "HOST:PORT",
            converter = MetricsAddress.class,
            description =
                    "Serve Prometheus metrics at http://HOST:PORT/metrics; PORT alone listens on the loopback address (default: no metrics).")
    InetSocketAddress metrics;

    // ---- the device's life after boot (docs/faults.md, docs/qemu.md); wired by ServeControl
    @Option(
            names = "--control",
            paramLabel = "PATH",
            description = "Control socket for 'jvfio ctl' (default: control.sock beside the first device socket).")
    Path control;

    @Option(
            names = "--qmp",
            paramLabel = "PATH",
            description = "QMP socket of the VMM attaching the devices, asked to unplug them (device_del) when serve"
                    + " stops; once for all devices or once per device.")
    List<Path> qmp = new ArrayList<>();

    @Option(
            names = "--detach-timeout",
            paramLabel = "DURATION",
            converter = Converters.Delay.class,
            description = "How long SIGTERM/SIGINT and 'jvfio ctl unplug' wait for clients to let go, e.g. 30s"
                    + " (default: 30s; 0: do not ask, stop at once). A second signal stops at once.")
    Duration detachTimeout;

    private final DeviceMaker maker;
    private final Endpoint.Starter starter;

    ServeCommand() {
        this(new ProfileWiring(), new ServerWiring());
    }

    ServeCommand(DeviceMaker maker, Endpoint.Starter starter) {
        this.maker = maker;
        this.starter = starter;
    }

    /** Reads the options (and config file) into validated specs; creates nothing. */
    List<DeviceSpec> specs(Map<String, String> env) {
        String p = allowed("--profile", profile, DeviceSpec.PROFILES, DeviceSpec.DEFAULT_PROFILE);
        String me =
                allowed("--memory-enable", memoryEnable, DeviceSpec.MEMORY_ENABLE, DeviceSpec.DEFAULT_MEMORY_ENABLE);
        String lay = allowed("--layout", layout, DeviceSpec.LAYOUTS, DeviceSpec.DEFAULT_LAYOUT);
        Duration delay = readyDelay == null ? DeviceSpec.DEFAULT_READY_DELAY : readyDelay;
        String delayProblem = DeviceSpec.readyDelayProblem(delay);
        if (delayProblem != null) throw new UsageError("--ready-delay: " + delayProblem);
        Long mem = memSize == null ? null : memSize.bytes();
        if (mem != null && config == null) {
            ProfileWiring.memorySizeProblem(p, mem).ifPresent(why -> {
                throw new UsageError("--mem-size: " + why);
            });
        }
        List<DeviceSpec> out;
        if (config != null) {
            if (!sockets.isEmpty() || gpus != null || !backingFiles.isEmpty() || !qmp.isEmpty()) {
                throw new UsageError(
                        "--config describes the devices itself; --socket, --gpus, --backing-file and --qmp "
                                + "go into the file (fields \"socket\", \"backing-file\", \"qmp\", one object per device)");
            }
            out = ServeConfig.read(config, new ServeConfig.Defaults(p, mem, me, lay, delay), env);
        } else {
            int count = gpus != null ? gpus : Math.max(1, Math.max(sockets.size(), backingFiles.size()));
            if (count < 1) throw new UsageError("--gpus must be at least 1, not " + count);
            if (count > DeviceSpec.MAX_DEVICES) {
                throw new UsageError("--gpus " + count + " is too many for one server; allowed: 1 to "
                        + DeviceSpec.MAX_DEVICES + " (run several servers for more)");
            }
            if (!sockets.isEmpty() && sockets.size() != count) {
                throw new UsageError(
                        count + " devices need " + count + " --socket options (one per device), got " + sockets.size());
            }
            if (!backingFiles.isEmpty() && backingFiles.size() != count) {
                throw new UsageError(count + " devices need " + count + " --backing-file options (one per device), got "
                        + backingFiles.size());
            }
            if (!backingFiles.isEmpty() && !ProfileWiring.hasDeviceMemory(p)) {
                throw new UsageError("--backing-file: the " + p + " profile has no device memory to keep in a file");
            }
            if (qmp.size() > 1 && qmp.size() != count) {
                throw new UsageError(
                        count + " devices need one --qmp for all or " + count + " (one per device), got " + qmp.size());
            }
            List<Path> socks = SocketPaths.resolve(sockets, count, env);
            out = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Path bf = backingFiles.isEmpty()
                        ? null
                        : backingFiles.get(i).toAbsolutePath().normalize();
                Path q = qmp.isEmpty()
                        ? null
                        : qmp.get(qmp.size() == 1 ? 0 : i).toAbsolutePath().normalize();
                out.add(new DeviceSpec("gpu" + i, p, socks.get(i), mem, me, lay, delay, bf, q));
            }
            ServeConfig.checkUnique(null, out);
        }
        if (out.size() > DeviceSpec.MAX_DEVICES) {
            throw new UsageError(out.size() + " devices are too many for one server; allowed: 1 to "
                    + DeviceSpec.MAX_DEVICES + " (run several servers for more)");
        }
        long served = 0;
        for (DeviceSpec s : out) {
            Long m = ProfileWiring.effectiveMemory(s);
            if (m != null) served += m; // each at most 64 TiB, at most 256 of them: no overflow
        }
        if (served > DeviceSpec.MAX_SERVED_MEMORY) {
            throw new UsageError((config == null ? "" : "config " + config + ": ") + out.size() + " devices with "
                    + new ByteSize(served).human()
                    + " of device memory in all are more than one server can map; allowed: up to "
                    + new ByteSize(DeviceSpec.MAX_SERVED_MEMORY).human() + " per server (run several servers)");
        }
        for (DeviceSpec s : out) {
            if (s.socket().toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES) {
                throw new UsageError((config == null ? "--socket" : "config " + config + ": " + s.name() + ".socket")
                        + ": the socket path of " + s.name() + " is too long for AF_UNIX (" + MAX_SOCKET_PATH_BYTES
                        + " bytes at most): " + s.socket());
            }
        }
        return out;
    }

    private static String allowed(String option, String value, List<String> allowed, String fallback) {
        if (value == null) return fallback;
        if (!allowed.contains(value)) {
            throw new UsageError(
                    option + ": '" + value + "' is not allowed; allowed values: " + String.join(", ", allowed));
        }
        return value;
    }

    @Override
    public Integer call() throws Exception {
        List<DeviceSpec> specs = specs(System.getenv());
        SocketPolicy policy = SocketPolicy.of(socketGroup, allowUids, allowGroups);
        Duration detach = detachTimeout();
        if (control != null) {
            if (control.toString().isEmpty()) throw new UsageError("--control: the path is empty");
            if (Files.exists(control, LinkOption.NOFOLLOW_LINKS) && !PathArgs.isSocket(control)) {
                throw new UsageError("--control " + control + " exists and is not a socket; not touching it");
            }
        }
        for (Path q : qmp) {
            if (q.toString().isEmpty()) throw new UsageError("--qmp: the path is empty");
        }
        if (prefault && specs.stream().anyMatch(s -> s.backingFile() == null)) {
            throw new UsageError("--prefault works on backing files: give every device a --backing-file "
                    + "(memfd memory is created on first touch and needs no pre-faulting)");
        }
        PrintWriter out = spec.commandLine().getOut();
        ServeLog log = new ServeLog(spec.commandLine().getErr());
        LogBridge.install(log);
        Progress progress = new Progress(
                spec.commandLine().getErr(),
                System.console() != null && System.console().isTerminal());
        PathArgs.preflightSockets(specs);
        BackingFiles.preflight(specs, resizeBackingFile, config);

        // in place before anything is created: a stop at any moment removes what exists by then
        Serving serving = new Serving(log);
        Operations ops = Operations.start(metrics, System.getenv(), log); // sd_notify, metrics
        Thread hook = new Thread(
                () -> {
                    ops.stopping();
                    serving.stop();
                    ops.close();
                },
                "jvfio-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        MemoryFlush.onSignal(specs, log);
        try {
            for (Path dir : new LinkedHashSet<>(
                    specs.stream().map(s -> s.socket().getParent()).toList())) {
                socketDirectory(serving, dir, policy);
            }
            for (DeviceSpec s : specs) {
                serving.checkRunning();
                String resized = BackingFiles.resizeIfAsked(s, resizeBackingFile);
                if (resized != null) log.info(resized);
                VfioDevice device = maker.create(s, progress);
                serving.add(device);
                if (prefault) Prefault.file(s.backingFile(), progress, serving::checkRunning);
                serving.add(starter.start(s, device, policy, log, ops));
                ops.deviceServed();
                // one line per device: what it is, where, and the QEMU option that attaches it
                out.println(s.name() + ": " + s.summary() + " on " + s.socket() + "; attach with: "
                        + VfioUserPciJson.option(s.socket()));
                out.flush();
            }
            serving.add(
                    ServeControl.start(control, specs, serving.devices(), serving.endpoints(), policy, log, detach));
        } catch (Serving.Stopped e) {
            serving.close();
            serving.built();
            serving.awaitStopped(); // the JVM exits with the signal's status once the hook is done
            return 0;
        } catch (Exception | Error e) {
            serving.close();
            ops.close();
            serving.built();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway and finds nothing left to close
            }
            throw e;
        }
        serving.built();
        log.info("ready: serving " + specs.size() + " device" + (specs.size() == 1 ? "" : "s") + "; "
                + QemuArgsHint.of(specs) + "; Ctrl-C stops");
        ops.ready();
        serving.awaitStopped();
        return 0;
    }

    /** --detach-timeout, checked: 0 to 60 minutes, 30 s by default. */
    private Duration detachTimeout() {
        if (detachTimeout == null) return ServeControl.DEFAULT_DETACH_TIMEOUT;
        if (detachTimeout.compareTo(Duration.ofHours(1)) > 0) {
            throw new UsageError(
                    "--detach-timeout " + Converters.text(detachTimeout) + " is too long; allowed: 0 to 60m");
        }
        return detachTimeout;
    }

    /**
     * Creates the socket's directory, and any missing one above it, when missing: private to this
     * user (0700), or passable but not listable by others (0711) when --socket-group opens the
     * sockets to a group, so that group's processes can reach them.
     */
    private static void socketDirectory(Serving serving, Path dir, SocketPolicy policy) {
        String mode = policy.groupId() == null ? "rwx------" : "rwx--x--x";
        try {
            serving.createDirectories(dir, PosixFilePermissions.fromString(mode));
        } catch (IOException e) {
            throw new UsageError("--socket: cannot create the directory " + dir + ": " + Reasons.of(e));
        }
    }
}
