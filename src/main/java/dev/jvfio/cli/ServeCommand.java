package dev.jvfio.cli;

import dev.jvfio.qemu.ShellWords;
import dev.jvfio.qemu.VfioUserPciJson;
import dev.jvfio.units.ByteSize;
import dev.jvfio.device.VfioDevice;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Serve simulated GPUs (or the sample device) on vfio-user sockets.",
        description = {
            "Serves simulated devices, each on its own vfio-user socket, until",
            "SIGINT or SIGTERM. With no options: one GH200 on",
            "$XDG_RUNTIME_DIR/jvfio/gpu0.sock (else ./run/gpu0.sock)."})
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--socket", paramLabel = "PATH",
            description = "Socket to serve on; repeat once per device (default: $XDG_RUNTIME_DIR/jvfio/gpuN.sock, else ./run/gpuN.sock).")
    List<Path> sockets = new ArrayList<>();

    @Option(names = "--profile", paramLabel = "NAME",
            description = "Device profile: gh200 (default), gh200-480gb, gh200-sku, gb200, gb300, sample.")
    String profile;

    @Option(names = "--config", paramLabel = "FILE", description = "JSON file describing the devices (see docs/profiles.md).")
    Path config;

    @Option(names = "--gpus", paramLabel = "N", description = "Number of devices, 1 to 256 (default: one per --socket, else 1).")
    Integer gpus;

    @Option(names = "--mem-size", paramLabel = "SIZE", converter = Converters.Size.class,
            description = "Device memory per GPU, e.g. 96G (default: the profile's): 1.5G to 64T for the GH200 profiles, 512M to 64T for gb200/gb300, in multiples of 64K; 64T per server in all.")
    ByteSize memSize;

    @Option(names = "--memory-enable", paramLabel = "POLICY",
            description = "What trapped BAR access does with the command register's memory-enable bit: ignore (default, upstream), hardware, strict.")
    String memoryEnable;

    @Option(names = "--layout", paramLabel = "LAYOUT",
            description = "How device memory is exposed: bar (default, upstream BAR2/BAR4) or region (mmap-only device region).")
    String layout;

    @Option(names = "--ready-delay", paramLabel = "DURATION", converter = Converters.Delay.class,
            description = "Time the simulated GPU needs to be ready after a reset, e.g. 2s; 0 to 60m (default: 0).")
    Duration readyDelay;

    @Option(names = "--backing-file", paramLabel = "PATH",
            description = "Keep device memory in this file instead of a memfd (content survives restarts); repeat once per device.")
    List<Path> backingFiles = new ArrayList<>();

    @Option(names = "--prefault",
            description = "Read each --backing-file once before serving, so its pages are in memory before the guest uses them (shows progress).")
    boolean prefault;

    @Option(names = "--socket-group", paramLabel = "GROUP",
            description = "Give the sockets this group (name or number) and mode 0660, e.g. the group QEMU runs in (default: mode 0600).")
    String socketGroup;

    @Option(names = "--allow-uid", paramLabel = "UID",
            description = "Also accept clients running as this uid (repeatable; default: only this user and root).")
    List<Integer> allowUids = new ArrayList<>();

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
        String me = allowed("--memory-enable", memoryEnable, DeviceSpec.MEMORY_ENABLE, DeviceSpec.DEFAULT_MEMORY_ENABLE);
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
            if (!sockets.isEmpty() || gpus != null || !backingFiles.isEmpty()) {
                throw new UsageError("--config describes the devices itself; --socket, --gpus and --backing-file "
                        + "go into the file (fields \"socket\", \"backing-file\", one object per device)");
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
                throw new UsageError(count + " devices need " + count + " --socket options (one per device), got "
                        + sockets.size());
            }
            if (!backingFiles.isEmpty() && backingFiles.size() != count) {
                throw new UsageError(count + " devices need " + count
                        + " --backing-file options (one per device), got " + backingFiles.size());
            }
            List<Path> socks = SocketPaths.resolve(sockets, count, env);
            out = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Path bf = backingFiles.isEmpty() ? null : backingFiles.get(i).toAbsolutePath().normalize();
                out.add(new DeviceSpec("gpu" + i, p, socks.get(i), mem, me, lay, delay, bf));
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
            throw new UsageError((config == null ? "" : "config " + config + ": ") + out.size() + " devices with " + new ByteSize(served).human()
                    + " of device memory in all are more than one server can map; allowed: up to "
                    + new ByteSize(DeviceSpec.MAX_SERVED_MEMORY).human() + " per server (run several servers)");
        }
        for (DeviceSpec s : out) {
            if (s.socket().toString().getBytes(StandardCharsets.UTF_8).length >= 108) {
                throw new UsageError("socket path of " + s.name() + " is too long for AF_UNIX (108 bytes at most): "
                        + s.socket());
            }
        }
        return out;
    }

    private static String allowed(String option, String value, List<String> allowed, String fallback) {
        if (value == null) return fallback;
        if (!allowed.contains(value)) {
            throw new UsageError(option + ": '" + value + "' is not allowed; allowed values: " + String.join(", ", allowed));
        }
        return value;
    }

    @Override
    public Integer call() throws Exception {
        List<DeviceSpec> specs = specs(System.getenv());
        SocketPolicy policy = SocketPolicy.of(socketGroup, allowUids);
        if (prefault && specs.stream().anyMatch(s -> s.backingFile() == null)) {
            throw new UsageError("--prefault works on backing files: give every device a --backing-file "
                    + "(memfd memory is created on first touch and needs no pre-faulting)");
        }
        PrintWriter out = spec.commandLine().getOut();
        ServeLog log = new ServeLog(spec.commandLine().getErr());
        Progress progress = new Progress(spec.commandLine().getErr(), System.console() != null && System.console().isTerminal());
        preflight(specs);

        Serving serving = new Serving(log);
        try {
            for (DeviceSpec s : specs) {
                VfioDevice device = maker.create(s, progress);
                serving.devices.add(device);
                if (prefault) Prefault.file(s.backingFile(), progress);
                socketDirectory(s.socket().getParent(), policy);
                serving.endpoints.add(starter.start(s, device, policy, log));
                // one line per device: what it is, where, and the QEMU option that attaches it
                out.println(s.name() + ": " + s.summary() + " on " + s.socket() + "; attach with: "
                        + VfioUserPciJson.option(s.socket()));
                out.flush();
            }
        } catch (Exception | Error e) {
            serving.close();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(serving::stop, "jvfio-shutdown"));
        log.info("ready: serving " + specs.size() + " device" + (specs.size() == 1 ? "" : "s")
                + "; for all the QEMU options run 'jvfio qemu-args" + qemuArgsHint(specs) + "'; Ctrl-C stops");
        serving.stopped.await();
        return 0;
    }

    private static String qemuArgsHint(List<DeviceSpec> specs) {
        StringBuilder sb = new StringBuilder();
        for (DeviceSpec s : specs) sb.append(" --socket ").append(ShellWords.quote(s.socket().toString()));
        String profile = specs.getFirst().profile();
        if (!profile.equals(DeviceSpec.DEFAULT_PROFILE)) sb.append(" --profile ").append(profile);
        Long mem = ProfileWiring.effectiveMemory(specs.getFirst());
        if (mem != null) sb.append(" --mem-size ").append(new ByteSize(mem).qemu());
        return sb.toString();
    }

    /** Problems we can see before creating anything: files in the way, missing directories. */
    private static void preflight(List<DeviceSpec> specs) {
        for (DeviceSpec s : specs) {
            Path sock = s.socket();
            if (Files.exists(sock, LinkOption.NOFOLLOW_LINKS) && !isSocket(sock)) {
                throw new CommandFailure(sock + " exists and is not a socket; not touching it (choose another --socket)");
            }
            if (s.backingFile() != null) {
                Path parent = s.backingFile().getParent();
                if (parent != null && !Files.isDirectory(parent)) {
                    throw new CommandFailure("backing file " + s.backingFile() + ": directory " + parent + " does not exist");
                }
                if (Files.isDirectory(s.backingFile())) {
                    throw new CommandFailure("backing file " + s.backingFile() + " is a directory");
                }
            }
        }
    }

    static boolean isSocket(Path p) {
        try {
            return Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) instanceof Integer mode
                    && (mode & 0170000) == 0140000; // S_IFSOCK
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Creates the socket's directory when missing: private to this user (0700), or passable but not
     * listable by others (0711) when --socket-group opens the sockets to a group, so that group's
     * processes can reach them.
     */
    private static void socketDirectory(Path dir, SocketPolicy policy) throws IOException {
        if (Files.isDirectory(dir)) return;
        String mode = policy.groupId() == null ? "rwx------" : "rwx--x--x";
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(mode));
    }

    /** What is running, so the shutdown hook can take it down in order. */
    static final class Serving {
        final List<VfioDevice> devices = new ArrayList<>();
        final List<Endpoint> endpoints = new ArrayList<>();
        final CountDownLatch stopped = new CountDownLatch(1);
        private final ServeLog log;

        Serving(ServeLog log) {
            this.log = log;
        }

        void stop() {
            log.info("stopping: closing " + endpoints.size() + " socket" + (endpoints.size() == 1 ? "" : "s"));
            close();
            log.info("stopped");
            stopped.countDown();
        }

        void close() {
            for (Endpoint e : endpoints.reversed()) {
                try {
                    e.close();
                } catch (RuntimeException ex) {
                    log.info("closing a socket failed: " + ex);
                }
            }
            for (VfioDevice d : devices.reversed()) {
                try {
                    d.close();
                } catch (RuntimeException ex) {
                    log.info("closing " + d.name() + " failed: " + ex);
                }
            }
            endpoints.clear();
            devices.clear();
        }
    }
}
