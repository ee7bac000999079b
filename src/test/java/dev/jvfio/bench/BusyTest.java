package dev.jvfio.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Reading how busy the machine is, from synthetic /proc/stat lines and figures. */
class BusyTest {
    @Test
    @DisplayName("the aggregate cpu line: busy, steal and total ticks; steal share between two readings")
    void cpuTimes() {
        Busy.CpuTimes a = Busy.CpuTimes.parse("cpu  100 0 50 800 10 5 5 30 0 0");
        assertThat(a.busy()).isEqualTo(160);
        assertThat(a.steal()).isEqualTo(30);
        assertThat(a.total()).isEqualTo(1000);
        Busy.CpuTimes b = Busy.CpuTimes.parse("cpu  150 0 50 1000 10 5 5 70 0 0");
        assertThat(b.stealSince(a)).isEqualTo(40.0 / 290);
        assertThat(a.stealSince(b)).isNaN();
        assertThat(a.stealSince(null)).isNaN();
    }

    @Test
    @DisplayName("busy when others leave the row's two threads less than a CPU each, or steal is 5% or more")
    void busy() {
        assertThat(new Busy(1.3, 0.0, 3.0, 2).busy()).isTrue();
        assertThat(new Busy(0.1, 0.01, 0.5, 2).busy()).isFalse();
        assertThat(new Busy(0.0, 0.06, 0.5, 2).busy()).isTrue();
        assertThat(new Busy(1.3, 0.0, 3.0, 8).busy()).isFalse(); // six spare CPUs
        assertThat(new Busy(Double.NaN, Double.NaN, Double.NaN, 2).busy()).isFalse();
        assertThat(new Busy(1.3, 0.04, 3.04, 2).describe())
                .isEqualTo("other processes used 1.3 of 2 CPUs, steal 4%, load 3.0");
    }

    @Test
    @DisplayName("an undecided row's context: steal and the floor's own spread, when notable")
    void context() {
        assertThat(Busy.context(List.of(100.0, 180.0, 120.0), 0.07))
                .isEqualTo("steal 7%, the floor itself varied 1.8x between rounds");
        assertThat(Busy.context(List.of(100.0, 110.0), 0.01)).isEmpty();
        assertThat(Busy.context(List.of(100.0, 110.0), Double.NaN)).isEmpty();
        assertThat(Busy.context(List.of(), 0.2)).isEqualTo("steal 20%");
    }
}
