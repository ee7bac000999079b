package dev.jvfio.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM started the way production starts jvfio: this JVM's own java binary and classpath,
 * {@code --enable-native-access=ALL-UNNAMED}, the launcher's AOT cache options when this JVM was
 * started with them (see {@link #launcherOptions}), optionally under {@code taskset -c 0}. Its output goes
 * to a log file, whose tail explains a child that died. {@link #close()} sends SIGTERM (the serve
 * command's clean shutdown), then SIGKILL if it lingers.
 *
 * <p>The one way jvfio starts a child JVM: the benchmark's servers and the tests' child processes
 * ({@link #builder}) share {@link #command}.
 */
public final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final long launchedNanos;
    private final Path log;
    private final String what;

    private ChildJvm(Process process, long launchedNanos, Path log, String what) {
        this.process = process;
        this.launchedNanos = launchedNanos;
        this.log = log;
        this.what = what;
    }

    private static final List<String> LAUNCHER_OPTIONS =
            launcherOptions(ManagementFactory.getRuntimeMXBean().getInputArguments());

    /**
     * The options of {@code args} (this JVM's own) that the {@code ./jvfio} launcher adds for its AOT
     * cache ({@code -XX:AOTCache=} and the {@code -Xlog} options that keep a mismatched cache quiet),
     * so the children start as fast as {@code jvfio serve} does for a user. The cache was trained
     * for the same jar, so it fits the children's classpath too.
     */
    static List<String> launcherOptions(List<String> args) {
        return args.stream()
                .filter(a -> a.startsWith("-XX:AOTCache=") || a.equals("-Xlog:aot=off") || a.equals("-Xlog:cds=off"))
                .toList();
    }

    /** The command line of a child running {@code mainClass args}, optionally pinned to CPU 0. */
    public static List<String> command(String mainClass, List<String> args, List<String> jvmOptions, boolean pin) {
        List<String> cmd = new ArrayList<>();
        if (pin) {
            cmd.addAll(List.of("taskset", "-c", "0"));
        }
        cmd.add(ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(LAUNCHER_OPTIONS);
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    /** A process builder for a child running {@code mainClass args} with {@code jvmOptions} (not pinned). */
    public static ProcessBuilder builder(List<String> jvmOptions, Class<?> mainClass, String... args) {
        return new ProcessBuilder(command(mainClass.getName(), List.of(args), jvmOptions, false));
    }

    static ChildJvm start(
            String what, String mainClass, List<String> args, List<String> jvmOptions, boolean pin, Path log)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(mainClass, args, jvmOptions, pin));
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        long t0 = System.nanoTime();
        Process p = pb.start();
        return new ChildJvm(p, t0, log, what);
    }

    long pid() {
        return process.pid();
    }

    /** System.nanoTime() just before the process was started. */
    long launchedNanos() {
        return launchedNanos;
    }

    /** Throws, with the end of the child's output, if it has exited. */
    void checkAlive() throws IOException {
        if (!process.isAlive()) {
            throw new IOException(what + " exited with status " + process.exitValue() + ": " + logTail());
        }
    }

    String logTail() {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8).strip();
            String[] lines = text.split("\n");
            int from = Math.max(0, lines.length - 6);
            return String.join(" | ", List.of(lines).subList(from, lines.length));
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return what + " (pid " + process.pid() + ")";
    }
}
