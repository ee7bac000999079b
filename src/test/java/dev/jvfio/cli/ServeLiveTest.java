package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.TempDirs;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Vfio;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code jvfio serve} as a child process, used by a real vfio-user client, stopped with SIGTERM. */
class ServeLiveTest {
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
            "serve with no arguments: default gh200 on $XDG_RUNTIME_DIR/jvfio/gpu0.sock; logs; SIGTERM removes the socket")
    void defaultServeLifecycle() throws Exception {
        Path socket = dir.resolve("jvfio/gpu0.sock");
        try (ServeProcess serve = new ServeProcess(dir, Map.of("XDG_RUNTIME_DIR", dir.toString()))) {
            serve.awaitReady();
            assertThat(serve.out().lines().toList())
                    .containsExactly("gpu0: gh200, 96 GiB, memory-enable ignore, layout bar on "
                            + socket + "; attach with: -device '{\"driver\":\"vfio-user-pci\",\"socket\":{\"path\":\""
                            + socket
                            + "\",\"type\":\"unix\"}}'");
            assertThat(serve.err()).contains("jvfio: ready: serving 1 device");
            assertThat(socket).exists();
            assertThat(PathArgs.isSocket(socket)).isTrue();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())))
                    .isEqualTo("rwx------");

            try (VfioUserClient client = VfioUserClient.connect(socket)) {
                assertThat(client.deviceInfo().flags() & Vfio.DEVICE_FLAGS_PCI).isNotZero();
                byte[] id = client.read(Vfio.PCI_CONFIG_REGION_INDEX, 0, 4);
                assertThat(id).containsExactly(0xde, 0x10, 0x42, 0x23);
                serve.awaitErr(
                        e -> e.contains(
                                "gpu0: client pid " + ProcessHandle.current().pid()),
                        "connect log");
                client.reset();
                serve.awaitErr(e -> e.contains("gpu0: device reset by the client"), "reset log");
            }
            serve.awaitErr(
                    e -> e.contains("gpu0: client pid "
                                    + ProcessHandle.current().pid() + " uid")
                            && e.contains("disconnected"),
                    "disconnect log");

            int exit = serve.terminate();
            assertThat(exit).as(serve.toString()).isIn(0, 143);
            assertThat(serve.err())
                    .as("exit " + exit)
                    .contains("jvfio: stopping")
                    .contains("jvfio: stopped");
            assertThat(socket).doesNotExist();
        }
    }

    @Test
    @DisplayName("serve --gpus 2 --backing-file: two devices on two sockets, memory in files that stay")
    void twoGpusWithBackingFiles() throws Exception {
        try (ServeProcess serve = new ServeProcess(
                dir,
                Map.of("XDG_RUNTIME_DIR", dir.toString()),
                "--gpus",
                "2",
                "--profile",
                "gb200",
                "--mem-size",
                "4G",
                "--backing-file",
                "m0",
                "--backing-file",
                "m1")) {
            serve.awaitReady();
            for (int g = 0; g < 2; g++) {
                Path socket = dir.resolve("jvfio/gpu" + g + ".sock");
                assertThat(serve.out())
                        .contains("gpu" + g + ": gb200, 4 GiB, memory-enable ignore, layout bar, memory in "
                                + dir.toRealPath().resolve("m" + g) + " on " + socket);
                try (VfioUserClient client = VfioUserClient.connect(socket)) {
                    assertThat(client.read(Vfio.PCI_CONFIG_REGION_INDEX, 2, 2)).containsExactly(0x41, 0x29);
                }
            }
            assertThat(serve.err())
                    .contains("jvfio: creating gpu1 (gb200, 4 GiB device memory in ")
                    .contains("done in");
            assertThat(serve.terminate()).isIn(0, 143);
        }
        assertThat(dir.resolve("m0")).exists();
        assertThat(Files.size(dir.resolve("m1"))).isGreaterThanOrEqualTo(4L << 30);
        assertThat(dir.resolve("jvfio/gpu0.sock")).doesNotExist();
        assertThat(dir.resolve("jvfio/gpu1.sock")).doesNotExist();
    }

    @Test
    @DisplayName(
            "VU-1.3 serve creates every missing socket directory 0700, the ones in between too, and removes them at stop")
    void vu_1_3_intermediateDirectoriesArePrivate() throws Exception {
        Path socket = dir.resolve("a/b/c/g.sock");
        try (ServeProcess serve =
                new ServeProcess(dir, Map.of(), "--socket", socket.toString(), "--profile", "sample")) {
            serve.awaitReady();
            for (Path d : List.of(dir.resolve("a"), dir.resolve("a/b"), dir.resolve("a/b/c"))) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d)))
                        .as(d.toString())
                        .isEqualTo("rwx------");
            }
            assertThat(serve.terminate()).isIn(0, 143);
        }
        assertThat(dir.resolve("a"))
                .as("directories serve created are removed when empty")
                .doesNotExist();
    }

    @Test
    @DisplayName("VU-1.3 serve --socket-group: the socket file gets that group and mode 0660")
    void vu_1_3_socketGroup() throws Exception {
        int gid = (Integer) Files.getAttribute(dir, "unix:gid");
        Path socket = dir.resolve("run/g.sock");
        try (ServeProcess serve = new ServeProcess(
                dir,
                Map.of(),
                "--socket",
                socket.toString(),
                "--mem-size",
                "2G",
                "--socket-group",
                Integer.toString(gid),
                "--allow-uid",
                "4242")) {
            serve.awaitReady();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
                    .isEqualTo("rw-rw----");
            assertThat(Files.getAttribute(socket, "unix:gid")).isEqualTo(gid);
            // the directory serve created lets the group's processes through to the socket
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())))
                    .isEqualTo("rwx--x--x");
            assertThat(serve.terminate()).isIn(0, 143);
        }
    }

    @Test
    @DisplayName("serve --backing-file --prefault shows progress while it reads the file, then serves")
    void prefaultShowsProgress() throws Exception {
        try (ServeProcess serve = new ServeProcess(
                dir,
                Map.of(),
                "--socket",
                dir.resolve("p.sock").toString(),
                "--profile",
                "gb200",
                "--mem-size",
                "1G",
                "--backing-file",
                "mem",
                "--prefault")) {
            serve.awaitReady();
            assertThat(serve.err())
                    .contains("jvfio: pre-faulting " + dir.toRealPath().resolve("mem") + " (1 GiB)")
                    .contains("(50%)")
                    .contains("1 GiB of 1 GiB (100%)")
                    .containsPattern("pre-faulting .*: done in ");
            assertThat(serve.terminate()).isIn(0, 143);
        }
    }

    @Test
    @DisplayName(
            "a second serve on a live socket fails clearly (exit 2), leaves the first one serving, and its probe is not logged as a client")
    void secondServerOnLiveSocket() throws Exception {
        Path socket = dir.resolve("live.sock");
        try (ServeProcess first = new ServeProcess(dir, Map.of(), "--socket", socket.toString(), "--mem-size", "2G")) {
            first.awaitReady();
            CliProcess.Result second =
                    CliProcess.run(dir, Map.of(), "serve", "--socket", socket.toString(), "--mem-size", "2G");
            assertThat(second.exitCode()).as(second.toString()).isEqualTo(2);
            assertThat(second.err())
                    .contains("cannot listen on --socket " + socket)
                    .contains("another server is listening")
                    .doesNotContain("Exception");
            try (VfioUserClient client = VfioUserClient.connect(socket)) {
                assertThat(client.read(Vfio.PCI_CONFIG_REGION_INDEX, 0, 2)).containsExactly(0xde, 0x10);
            }
            first.awaitErr(e -> e.contains(" disconnected"), "our client's disconnect");
            // the second serve's probe (connect, hang up) came first and is no client: one connect in the log, ours
            assertThat(first.err().lines().filter(l -> l.contains(" connected")).toList())
                    .as(first.toString())
                    .singleElement()
                    .asString()
                    .contains("client pid " + ProcessHandle.current().pid() + " ");
            assertThat(first.terminate()).isIn(0, 143);
        }
    }

    @Test
    @DisplayName("serve refuses a socket path that is a regular file, leaves it alone, exit 2")
    void refusesNonSocketFile() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-socket"), "keep me");
        CliProcess.Result r =
                CliProcess.run(dir, Map.of(), "serve", "--socket", file.toString(), "--profile", "sample");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains(file + " exists and is not a socket");
        assertThat(Files.readString(file)).isEqualTo("keep me");
    }

    @Test
    @DisplayName(
            "NV-6.3 serve devices from a JSON config file (relative socket path; memory-enable strict offers no mmap)")
    void serveFromConfig() throws Exception {
        Files.writeString(
                dir.resolve("devices.json"),
                "{\"devices\": [{\"name\": \"demo\", \"profile\": \"gh200-480gb\","
                        + " \"socket\": \"demo.sock\", \"mem-size\": \"2G\", \"memory-enable\": \"strict\"}]}");
        try (ServeProcess serve = new ServeProcess(dir, Map.of(), "--config", "devices.json")) {
            serve.awaitReady();
            Path socket = dir.toRealPath().resolve("demo.sock");
            assertThat(serve.out()).contains("demo: gh200-480gb, 2 GiB, memory-enable strict, layout bar on " + socket);
            try (VfioUserClient client = VfioUserClient.connect(socket)) {
                assertThat(client.deviceInfo().numRegions()).isGreaterThanOrEqualTo(9);
                assertThat(client.read(Vfio.PCI_CONFIG_REGION_INDEX, 2, 2)).containsExactly(0x45, 0x23);
                // NV-6.3 strict: no mmap areas are offered for the memory BAR
                assertThat(client.regionInfo(4).sparseAreas()).isEmpty();
            }
            assertThat(serve.terminate()).isIn(0, 143);
            assertThat(socket).doesNotExist();
        }
    }
}
