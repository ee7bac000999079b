package dev.jvfio.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A {@code jvfio serve} child process; its stdout and stderr go to files that are read as they grow. */
final class ServeProcess implements AutoCloseable {
    final Process process;
    private final Path outFile;
    private final Path errFile;

    ServeProcess(Path workDir, Map<String, String> env, String... args) throws IOException {
        String[] argv = new String[args.length + 1];
        argv[0] = "serve";
        System.arraycopy(args, 0, argv, 1, args.length);
        outFile = Files.createTempFile("jvfio-serve", ".out");
        errFile = Files.createTempFile("jvfio-serve", ".err");
        process = CliProcess.builder(workDir, env, argv)
                .redirectOutput(outFile.toFile())
                .redirectError(errFile.toFile())
                .start();
        process.getOutputStream().close();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String out() {
        return read(outFile);
    }

    String err() {
        return read(errFile);
    }

    /** Waits (generously: the machine is shared) until stderr satisfies the condition. */
    ServeProcess awaitErr(Predicate<String> condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!condition.test(err())) {
            if (!process.isAlive()) {
                throw new AssertionError("serve exited with " + process.exitValue() + " before " + what + "\n" + this);
            }
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what + "\n" + this);
            Thread.sleep(20);
        }
        return this;
    }

    ServeProcess awaitReady() throws InterruptedException {
        return awaitErr(e -> e.contains("jvfio: ready"), "readiness");
    }

    /** SIGTERM, then the exit code. */
    int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("serve did not stop on SIGTERM\n" + this);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        try {
            Files.deleteIfExists(outFile);
            Files.deleteIfExists(errFile);
        } catch (IOException ignored) {
            // temp files; not worth failing a test over
        }
    }

    @Override
    public String toString() {
        return "--- stdout\n" + out() + "--- stderr\n" + err();
    }
}
