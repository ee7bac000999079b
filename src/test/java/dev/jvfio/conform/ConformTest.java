package dev.jvfio.conform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.TempDirs;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.nvgrace.RegionLayout;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
            Report report = Runner.run(Settings.of(socket, Duration.ofSeconds(30)), Catalogue.all(), o -> { });
            report.lines().forEach(l -> System.out.println(name + ": " + l));
            assertThat(report.outcomes()).allSatisfy(o -> assertThat(o.status()).as(o.line()).isNotEqualTo(Status.FAIL));
        }
    }
}
