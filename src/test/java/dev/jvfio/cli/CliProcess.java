package dev.jvfio.cli;

import dev.jvfio.bench.ChildJvm;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs {@code jvfio} as a user would: a child JVM with the test classpath running {@link Main}. */
final class CliProcess {
    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private CliProcess() {}

    static ProcessBuilder builder(Path workDir, Map<String, String> env, String... args) {
        ProcessBuilder pb = ChildJvm.builder(List.of("-Xshare:auto", "-XX:TieredStopAtLevel=1"), Main.class, args);
        if (workDir != null) pb.directory(workDir.toFile());
        pb.environment().remove("XDG_RUNTIME_DIR");
        pb.environment().putAll(env);
        return pb;
    }

    static Result run(String... args) {
        return run(null, Map.of(), args);
    }

    static Result run(Path workDir, Map<String, String> env, String... args) {
        try {
            Process p = builder(workDir, env, args).start();
            p.getOutputStream().close();
            CompletableFuture<String> out = drain(p.getInputStream());
            CompletableFuture<String> err = drain(p.getErrorStream());
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("jvfio " + String.join(" ", args) + " did not finish");
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "<read failed: " + e + ">";
            }
        });
    }
}
