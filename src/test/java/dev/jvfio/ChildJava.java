package dev.jvfio;

import dev.jvfio.cli.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Child JVMs for tests that need "a separate process": this JVM's own java binary and classpath,
 * {@code --enable-native-access=ALL-UNNAMED}, the given JVM options, then a main class and its arguments.
 */
public final class ChildJava {
    private ChildJava() {
    }

    /** The command line of a child JVM running {@code mainClass args}. */
    public static List<String> command(List<String> jvmOptions, Class<?> mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass.getName());
        cmd.addAll(args);
        return cmd;
    }

    public static ProcessBuilder builder(List<String> jvmOptions, Class<?> mainClass, String... args) {
        return new ProcessBuilder(command(jvmOptions, mainClass, List.of(args)));
    }

    /**
     * Starts {@code jvfio serve args} (quick-start JVM options plus {@code jvmOptions}) with its output
     * in {@code log}, and waits (generously: the machine is shared) until it says it is ready.
     */
    public static Process serveUntilReady(Path log, List<String> jvmOptions, String... args)
            throws IOException, InterruptedException {
        Files.deleteIfExists(log);
        List<String> options = new ArrayList<>(List.of("-Xshare:auto", "-XX:TieredStopAtLevel=1"));
        options.addAll(jvmOptions);
        List<String> serve = new ArrayList<>(List.of("serve"));
        serve.addAll(List.of(args));
        Process p = new ProcessBuilder(command(options, Main.class, serve))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        p.getOutputStream().close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!Files.exists(log) || !Files.readString(log).contains("ready")) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new AssertionError("serve did not become ready:\n" + (Files.exists(log) ? Files.readString(log) : ""));
            }
            Thread.sleep(20);
        }
        return p;
    }
}
