package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.TempDirs;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code serve --backing-file}: one device per file, across processes and within one; a file is
 * never resized unless asked; SIGUSR1 flushes. Each refusal is exit 2 with a sentence, and leaves
 * the file as it was.
 */
class BackingFileLiveTest {
    static final long GIB = 1L << 30;
    Path dir;

    @BeforeEach
    void makeDir() throws IOException {
        dir = TempDirs.create();
    }

    @AfterEach
    void removeDir() throws IOException {
        TempDirs.delete(dir);
    }

    @Test
    @DisplayName(
            "a second serve on a served backing file (through a symlink) gets exit 2 naming the file and the holder's pid")
    void secondServeOnTheSameFileIsRefused() throws Exception {
        Path mem = dir.resolve("m");
        Path link = Files.createSymbolicLink(dir.resolve("link"), mem);
        try (ServeProcess first = new ServeProcess(
                dir,
                Map.of(),
                "--socket",
                dir.resolve("a.sock").toString(),
                "--profile",
                "gb200",
                "--mem-size",
                "1G",
                "--backing-file",
                mem.toString())) {
            first.awaitReady();
            for (String size : List.of("1G", "2G")) {
                CliProcess.Result second = CliProcess.run(
                        dir,
                        Map.of(),
                        "serve",
                        "--socket",
                        dir.resolve("b.sock").toString(),
                        "--profile",
                        "gb200",
                        "--mem-size",
                        size,
                        "--backing-file",
                        link.toString());
                assertThat(second.exitCode()).as(second.toString()).isEqualTo(2);
                assertThat(second.err())
                        .as(second.toString())
                        .startsWith("jvfio serve: --backing-file " + link + " is in use by pid " + first.process.pid())
                        .doesNotContain("Exception");
                assertThat(dir.resolve("b.sock")).doesNotExist();
                assertThat(Files.size(mem)).isEqualTo(GIB);
            }
            assertThat(first.terminate()).isIn(0, 143);
        }
        CliProcess.Result free = CliProcess.run(
                dir,
                Map.of(),
                "serve",
                "--socket",
                dir.resolve("b.sock").toString(),
                "--profile",
                "gb200",
                "--mem-size",
                "2G",
                "--backing-file",
                link.toString());
        assertThat(free.err())
                .as("once the first server is gone the lock is, too")
                .doesNotContain("in use");
    }

    @Test
    @DisplayName(
            "two devices of one serve on one file, through a symlink or a dangling one, are refused before anything is created")
    void twoDevicesOfOneServeOnOneFile() throws Exception {
        Path existing = Files.createFile(dir.resolve("existing"));
        Files.createSymbolicLink(dir.resolve("to-existing"), existing);
        Files.createSymbolicLink(dir.resolve("to-new"), dir.resolve("new"));
        for (String[] pair : List.of(new String[] {"existing", "to-existing"}, new String[] {"new", "to-new"})) {
            CliProcess.Result r = CliProcess.run(
                    dir,
                    Map.of("XDG_RUNTIME_DIR", dir.toString()),
                    "serve",
                    "--gpus",
                    "2",
                    "--profile",
                    "gb200",
                    "--mem-size",
                    "1G",
                    "--backing-file",
                    pair[0],
                    "--backing-file",
                    pair[1]);
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).as(r.toString()).contains("gpu0 and gpu1 use the same backing file");
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                        .containsExactly("existing", "to-existing", "to-new");
            }
            assertThat(Files.size(existing)).isZero();
        }
    }

    @Test
    @DisplayName(
            "a backing file of another size: exit 2 with what it holds and what was asked; --resize-backing-file grows it and says so")
    void wrongSizeIsRefusedUnlessResizeIsAsked() throws Exception {
        Path mem = dir.resolve("m");
        try (RandomAccessFile f = new RandomAccessFile(mem.toFile(), "rw")) {
            f.setLength(GIB);
            f.seek(12345);
            f.write(0x5A);
        }
        CliProcess.Result r = CliProcess.run(
                dir,
                Map.of(),
                "serve",
                "--socket",
                dir.resolve("a.sock").toString(),
                "--profile",
                "gb200",
                "--mem-size",
                "2G",
                "--backing-file",
                mem.toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err())
                .as(r.toString())
                .startsWith("jvfio serve: --backing-file " + mem
                        + " holds 1 GiB of device memory, not the 2 GiB asked for; serve it as it is with --mem-size 1G,"
                        + " or add --resize-backing-file to grow it to 2 GiB");
        assertThat(Files.size(mem)).isEqualTo(GIB);
        assertThat(dir.resolve("a.sock")).doesNotExist();

        try (ServeProcess grown = new ServeProcess(
                dir,
                Map.of(),
                "--socket",
                dir.resolve("a.sock").toString(),
                "--profile",
                "gb200",
                "--mem-size",
                "2G",
                "--backing-file",
                mem.toString(),
                "--resize-backing-file")) {
            grown.awaitReady();
            assertThat(grown.err())
                    .contains("jvfio: gpu0: grew " + mem + " from 1 GiB to 2 GiB (--resize-backing-file)");
            assertThat(grown.terminate()).isIn(0, 143);
        }
        assertThat(Files.size(mem)).isEqualTo(2 * GIB);
        try (RandomAccessFile f = new RandomAccessFile(mem.toFile(), "r")) {
            f.seek(12345);
            assertThat(f.read()).as("the bytes it held are kept").isEqualTo(0x5A);
        }
    }

    @Test
    @DisplayName("SIGUSR1 makes a ready serve flush its backing files to disk and say so; it keeps serving")
    void sigusr1FlushesTheBackingFiles() throws Exception {
        try (ServeProcess serve = new ServeProcess(
                dir,
                Map.of(),
                "--socket",
                dir.resolve("a.sock").toString(),
                "--profile",
                "gb200",
                "--mem-size",
                "1G",
                "--backing-file",
                dir.resolve("m").toString())) {
            serve.awaitReady();
            Process kill = new ProcessBuilder("kill", "-USR1", Long.toString(serve.process.pid())).start();
            assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
            serve.awaitErr(e -> e.contains("jvfio: SIGUSR1: flushed 1 backing file to disk in "), "the flush line");
            assertThat(serve.process.isAlive()).isTrue();
            assertThat(dir.resolve("a.sock")).exists();
            assertThat(serve.terminate()).isIn(0, 143);
        }
    }
}
