package dev.jvfio.conform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.TempDirs;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.nvgrace.RegionLayout;
import dev.jvfio.procfs.OpenFiles;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole catalogue against every device profile jvfio serves, each served in process: every
 * check passes, or is skipped for a reason this server gives (it does not advertise migration).
 */
class ConformTest {
    static Path dir;

    @BeforeAll
    static void dir() throws Exception {
        dir = TempDirs.create();
    }

    @AfterAll
    static void clean() throws Exception {
        TempDirs.delete(dir);
    }

    static Stream<Arguments> profiles() {
        GpuOptions o = GpuOptions.defaults();
        return Stream.of(
                Arguments.of("gh200", o.withProfile("gh200")),
                Arguments.of("gh200-480gb", o.withProfile("gh200-480gb")),
                Arguments.of("gh200-sku", o.withProfile("gh200-sku")),
                Arguments.of("gb200", o.withProfile("gb200")),
                Arguments.of("gb300", o.withProfile("gb300")),
                Arguments.of("gh200 region layout", o.withProfile("gh200").withLayout(RegionLayout.REGION)),
                Arguments.of("gb200 region layout", o.withProfile("gb200").withLayout(RegionLayout.REGION)),
                Arguments.of("sample", o.withProfile("sample")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("profiles")
    void everyCheckPassesOrIsSkippedForMigration(String name, GpuOptions options) throws Exception {
        Path socket = dir.resolve("c.sock");
        try (VfioDevice device = DeviceProfiles.create(options);
                VfioUserServer server = VfioUserServer.start(socket, device, ServerOptions.defaults())) {
            Report report = Runner.run(Settings.of(socket, Duration.ofSeconds(30)), Catalogue.all(), o -> {});
            System.out.println(name + ": " + report.summary());
            assertThat(report.outcomes())
                    .allSatisfy(o -> assertThat(o.status()).as(o.line()).isNotEqualTo(Status.FAIL));
            assertThat(report.outcomes())
                    .filteredOn(o -> o.status() == Status.SKIP)
                    .allSatisfy(o -> assertThat(o.reason())
                            .as(o.line())
                            .containsAnyOf(
                                    "does not advertise migration",
                                    "no region is readable but not writable",
                                    "does not advertise PRE_COPY"));
            assertThat(report.cleanup()).isEqualTo("DEVICE_RESET done");
        }
    }

    @Test
    @DisplayName("VU-1.4 a run leaves the server as it found it: no client attached, no DMA window, no fd left open")
    void vu_1_4_leavesNothingBehind() throws Exception {
        Path socket = dir.resolve("l.sock");
        try (VfioDevice device = DeviceProfiles.create(GpuOptions.defaults().withProfile("sample"));
                VfioUserServer server = VfioUserServer.start(socket, device, ServerOptions.defaults())) {
            Settings settings = Settings.of(socket, Duration.ofSeconds(30));
            Runner.run(settings, Catalogue.all(), o -> {}); // warms up lazily opened JDK files
            awaitDetached(server);
            int before = OpenFiles.count();
            Report report = Runner.run(settings, Catalogue.all(), o -> {});
            awaitDetached(server);
            assertThat(report.failed()).as(String.join("\n", report.lines())).isFalse();
            assertThat(server.dmaWindows()).isZero();
            assertThat(OpenFiles.count()).isEqualTo(before);
        }
    }

    static void awaitDetached(VfioUserServer server) throws InterruptedException {
        for (int i = 0; i < 3000 && server.clientAttached(); i++) { // up to 30 s on a loaded machine
            Thread.sleep(10);
        }
        assertThat(server.clientAttached()).isFalse();
    }

    @Test
    @DisplayName("--only takes ids and prefixes that end at a '.' or '/'; an id that names nothing is refused")
    void selection() {
        assertThat(Catalogue.select(List.of("VU-3.2/minor-zero")))
                .extracting(Check::id)
                .containsExactly("VU-3.2/minor-zero");
        assertThat(Catalogue.select(List.of("VU-6.2")))
                .extracting(Check::id)
                .containsExactly("VU-6.2/unmap-unknown-refused", "VU-6.2/dirty-bitmap-flag-refused");
        assertThat(Catalogue.select(List.of("VU-3")))
                .hasSize(10)
                .allSatisfy(c -> assertThat(c.id()).startsWith("VU-3."));
        assertThat(Catalogue.select(List.of("VU-7.1", "VU-2.2/")))
                .extracting(Check::id)
                .containsExactly("VU-2.2/ids-echoed", "VU-7.1/reset");
        assertThat(Catalogue.select(List.of())).hasSameSizeAs(Catalogue.all());
        assertThatThrownBy(() -> Catalogue.select(List.of("VU-3.2/minor")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Catalogue.select(List.of("VU-"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("check ids are unique and each names a VU behaviour of docs/reference/vfio-user.md")
    void idsAreUniqueBehaviourIds() throws Exception {
        String reference = Files.readString(Path.of("docs/reference/vfio-user.md"));
        List<String> ids = Catalogue.all().stream().map(Check::id).toList();
        assertThat(ids).doesNotHaveDuplicates();
        for (String id : ids) {
            assertThat(id).matches("VU-\\d+\\.\\d+/[a-z0-9.-]+");
            String section = id.substring(3, id.indexOf('.'));
            String item = id.substring(id.indexOf('.') + 1, id.indexOf('/'));
            assertThat(reference).as(id).contains("## VU-" + section + " ");
            assertThat(reference.substring(reference.indexOf("## VU-" + section + " ")))
                    .as(id)
                    .containsPattern("(?m)^" + item + "\\. ");
        }
    }
}
