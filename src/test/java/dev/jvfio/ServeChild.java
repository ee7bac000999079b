package dev.jvfio;

import dev.jvfio.bench.ChildJvm;
import dev.jvfio.cli.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code jvfio serve} child process for tests, started through {@link ChildJvm} (the one way jvfio
 * starts a child JVM) and awaited until it says it is ready.
 */
public final class ServeChild {
    private ServeChild() {}

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
        Process p = ChildJvm.builder(options, Main.class, serve.toArray(String[]::new))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        p.getOutputStream().close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!Files.exists(log) || !Files.readString(log).contains("ready")) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new AssertionError(
                        "serve did not become ready:\n" + (Files.exists(log) ? Files.readString(log) : ""));
            }
            Thread.sleep(20);
        }
        return p;
    }
}
