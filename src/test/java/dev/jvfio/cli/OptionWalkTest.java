package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.TempDirs;
import dev.jvfio.bench.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Every command's every option with bad values (wrong type, out of range, empty, huge, NUL, not
 * UTF-8, unreadable, unwritable, in the way): exit 2, a message naming the option, no stack trace,
 * nothing created or changed. The walk runs in one child JVM ({@link OptionWalk}) whose working
 * directory and XDG_RUNTIME_DIR are a fresh directory.
 */
class OptionWalkTest {
    @Test
    @DisplayName(
            "every option of every command, given bad values: exit 2, one sentence naming the option, nothing created")
    void everyOptionRefusesBadValues() throws Exception {
        Path dir = TempDirs.create();
        try {
            ProcessBuilder pb = ChildJvm.builder(List.of("-Xshare:auto", "-XX:TieredStopAtLevel=1"), OptionWalk.class)
                    .directory(dir.toFile())
                    .redirectErrorStream(true);
            pb.environment().put("XDG_RUNTIME_DIR", dir.resolve("xdg").toString());
            Process p = pb.start();
            p.getOutputStream().close();
            CompletableFuture<String> out = CliProcess.drain(p.getInputStream());
            assertThat(p.waitFor(600, TimeUnit.SECONDS)).as("the walk finished").isTrue();
            String report = out.join();
            List<String> failures =
                    report.lines().filter(l -> l.startsWith("FAIL")).toList();
            String last = report.lines()
                    .filter(l -> l.startsWith("cases "))
                    .findFirst()
                    .orElse("no summary:\n" + report);
            System.out.println("option walk: " + last);
            assertThat(last).as(report).matches("cases \\d+ failed 0");
            assertThat(Integer.parseInt(last.split(" ")[1])).as("cases walked").isGreaterThan(300);
            assertThat(failures).as(report).isEmpty();
            try (var left = Files.list(dir)) {
                assertThat(left.map(f -> f.getFileName().toString()).sorted().toList())
                        .containsExactly("latin1.json", "regular", "two.json");
            }
        } finally {
            TempDirs.delete(dir);
        }
    }
}
