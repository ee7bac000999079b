package dev.jvfio.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.Seeds;
import dev.jvfio.fuzz.FuzzCampaign;
import dev.jvfio.fuzz.FuzzReport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The fuzzing harness for a short bound (CI). A long run on demand:
 * {@code jvfio fuzz --seconds 600} (or {@code -Djvfio.fuzz.seconds=600} on this test);
 * The seed is fixed (CI is reproducible) and printed in the report; {@code -Djvfio.seed=N} replays a seed,
 * {@code -Djvfio.seed=random} explores a fresh one (see {@link Seeds}).
 */
class FuzzTest {
    @Test
    @DisplayName("VU-2.2 VU-2.3 VU-1.4 hostile client on one device of a multi-device server: every message gets "
            + "a well-formed reply or a clean close, a new client can attach, the other device keeps being "
            + "served, no fd or DMA mapping leaks")
    void vu_2_hostile_client_cannot_hurt_the_server() throws Exception {
        long seconds = Long.getLong("jvfio.fuzz.seconds", 12);
        long seed = Seeds.of(0xF0221L);
        FuzzReport report = FuzzCampaign.run(Duration.ofSeconds(seconds), seed);
        System.out.println(report);
        assertThat(report.failures()).as(report.toString()).isEmpty();
        assertThat(report.messages()).as(report.toString()).isGreaterThan(100);
        assertThat(report.replies()).as(report.toString()).isGreaterThan(100);
        assertThat(report.probeChecks()).as(report.toString()).isPositive();
        assertThat(report.attaches()).as(report.toString()).isGreaterThan(report.closedByServer());
        assertThat(report.fdsAfter()).as(report.toString()).isEqualTo(report.fdsBefore());
        assertThat(report.dmaMapsAfter()).as(report.toString()).isZero();
    }

    @Test
    @DisplayName(
            "VU-2.2 VU-2.3 the PCI sample device under the same hostile client, next to a GPU probe; progress while it runs")
    void vu_2_hostile_client_against_the_sample_device() throws Exception {
        long seed = Seeds.of(0xF0225L);
        List<String> progress = new CopyOnWriteArrayList<>();
        FuzzReport report = FuzzCampaign.run(
                Duration.ofSeconds(Long.getLong("jvfio.fuzz.sample.seconds", 5)),
                seed,
                "sample",
                Duration.ofSeconds(1),
                progress::add);
        System.out.println(report);
        assertThat(progress)
                .as("a line a second while fuzzing")
                .hasSizeGreaterThanOrEqualTo(2)
                .allMatch(l -> l.matches(
                        "fuzz: \\d+ s of \\d+: \\d+ hostile messages, \\d+ probe round trips, \\d+ failures"));
        assertThat(report.failures()).as(report.toString()).isEmpty();
        assertThat(report.replies()).as(report.toString()).isGreaterThan(100);
        assertThat(report.probeChecks()).as(report.toString()).isPositive();
        assertThat(report.fdsAfter()).as(report.toString()).isEqualTo(report.fdsBefore());
    }
}
