package dev.jvfio.nvgrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.device.Errno;
import dev.jvfio.device.VfioException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The readiness poll and the reset flag alone, with a fake clock and fake BAR0 registers (NV-7, NV-4.5). */
class ReadinessTest {
    /** A fake clock: sleeping advances time; registers become ready at a given time. */
    static final class FakeGpu implements ReadinessClock {
        long now;
        long readyAt;
        int sleeps;
        final Map<Long, Integer> reads = new HashMap<>();

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleep(Duration d) {
            sleeps++;
            now += d.toNanos();
        }

        int bar0(long offset) {
            reads.merge(offset, 1, Integer::sum);
            if (offset != NvGraceConstants.C2C_LINK_BAR0_OFFSET
                    && offset != NvGraceConstants.HBM_TRAINING_BAR0_OFFSET) {
                return 0;
            }
            return now >= readyAt ? 0xFF : 0x00;
        }

        Readiness readiness() {
            return new Readiness(this::bar0, NvGraceConstants.POLL_QUANTUM, NvGraceConstants.POLL_TIMEOUT, this);
        }
    }

    @Test
    @DisplayName("NV-7.1 both BAR0 registers 0x1498 and 0x200BC must read 0xFF")
    void nv_7_1_registers() {
        FakeGpu gpu = new FakeGpu();
        Readiness r = gpu.readiness();
        assertThat(r.registersReady()).isTrue();
        assertThat(gpu.reads).containsKeys(0x1498L, 0x200BCL);
        gpu.readyAt = 1;
        assertThat(r.registersReady()).isFalse();
    }

    @Test
    @DisplayName("NV-7.1 poll every second until ready; no sleep when ready at once")
    void nv_7_1_poll() throws Exception {
        FakeGpu gpu = new FakeGpu();
        Readiness r = gpu.readiness();
        r.awaitReady();
        assertThat(gpu.sleeps).isZero();
        gpu.readyAt = Duration.ofMillis(4500).toNanos();
        r.awaitReady();
        assertThat(gpu.sleeps).isEqualTo(5);
    }

    @Test
    @DisplayName("NV-7.1 give up after 30 s with ETIME")
    void nv_7_1_timeout() {
        FakeGpu gpu = new FakeGpu();
        gpu.readyAt = Long.MAX_VALUE;
        Readiness r = gpu.readiness();
        assertThatThrownBy(r::awaitReady)
                .isInstanceOfSatisfying(
                        VfioException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ETIME));
        assertThat(gpu.now).isGreaterThanOrEqualTo(Duration.ofSeconds(30).toNanos());
        assertThat(gpu.sleeps).isBetween(30, 31);
    }

    @Test
    @DisplayName("NV-4.5 first access after a reset: EIO with decode off, flag stays; later access waits and clears it")
    void nv_4_5_first_access() throws Exception {
        FakeGpu gpu = new FakeGpu();
        Readiness r = gpu.readiness();
        r.beforeAccess(false); // no reset pending: decode ignored
        r.resetHappened();
        assertThatThrownBy(() -> r.beforeAccess(false))
                .isInstanceOfSatisfying(
                        VfioException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        assertThat(r.resetPending()).isTrue();
        gpu.readyAt = Duration.ofMillis(2500).toNanos();
        r.beforeAccess(true);
        assertThat(gpu.sleeps).isEqualTo(3);
        assertThat(r.resetPending()).isFalse();
        r.beforeAccess(false); // later accesses ignore the bit again
    }

    @Test
    @DisplayName("NV-7.2 ETIME on a lazy check leaves the reset flag set, so the next access polls again")
    void nv_7_2_flag_stays_after_etime() throws Exception {
        FakeGpu gpu = new FakeGpu();
        Readiness r = gpu.readiness();
        gpu.readyAt = Long.MAX_VALUE;
        r.resetHappened();
        assertThatThrownBy(() -> r.beforeAccess(true))
                .isInstanceOfSatisfying(
                        VfioException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ETIME));
        assertThat(r.resetPending()).isTrue();
        gpu.readyAt = gpu.now;
        int before = gpu.reads.getOrDefault(0x1498L, 0);
        r.beforeAccess(true);
        assertThat(gpu.reads.get(0x1498L)).isGreaterThan(before);
        assertThat(r.resetPending()).isFalse();
    }
}
