package dev.jvfio.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The page-size seam (aarch64 kernels have 4, 16 or 64 KiB pages): the kernel's page, an override, and the arithmetic at 4, 16 and 64 KiB. */
class PageSizeTest {

    @Test
    @DisplayName("sysconf(_SC_PAGESIZE) agrees with the kernel's own word in /proc/self/smaps")
    void kernelPageIsWhatSmapsReports() throws Exception {
        long smaps = -1;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.startsWith("KernelPageSize:")) {
                // "KernelPageSize:        4 kB"
                smaps = Long.parseLong(line.substring(15).trim().split("\\s+")[0]) * 1024;
                break;
            }
        }
        assertThat(smaps).isPositive();
        assertThat(PageSize.kernelBytes()).isEqualTo(smaps);
        assertThat(PageSize.system().bytes()).isGreaterThanOrEqualTo(smaps);
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(longs = {4096, 16384, 65536})
    void roundingAndAlignmentAtEachPageSize(long bytes) {
        PageSize p = PageSize.of(bytes);
        assertThat(p.isAligned(0)).isTrue();
        assertThat(p.isAligned(bytes)).isTrue();
        assertThat(p.isAligned(3 * bytes)).isTrue();
        assertThat(p.isAligned(bytes / 2)).isFalse();
        assertThat(p.isAligned(4096 + bytes)).isEqualTo(bytes == 4096);
        assertThat(p.roundDown(bytes + 1)).isEqualTo(bytes);
        assertThat(p.roundDown(bytes - 1)).isZero();
        assertThat(p.roundUp(1)).isEqualTo(bytes);
        assertThat(p.roundUp(2 * bytes)).isEqualTo(2 * bytes);
        assertThatThrownBy(() -> p.roundUp(Long.MAX_VALUE - 1)).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void onlyPowersOfTwoFrom4To64KibArePageSizes() {
        for (long bad : new long[] {0, 512, 2048, 12288, 128 * 1024, -4096}) {
            assertThatThrownBy(() -> PageSize.of(bad)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(PageSize.SIZE_16K.toString()).isEqualTo("16 KiB");
    }

    @Test
    @DisplayName("the override may raise the page size above the kernel's, never lower it")
    void overrideRaisesButNeverLowers() {
        assertThat(PageSize.resolve(4096, null)).isEqualTo(PageSize.SIZE_4K);
        assertThat(PageSize.resolve(4096, " ")).isEqualTo(PageSize.SIZE_4K);
        assertThat(PageSize.resolve(4096, "65536")).isEqualTo(PageSize.SIZE_64K);
        assertThat(PageSize.resolve(4096, "16k")).isEqualTo(PageSize.SIZE_16K);
        assertThat(PageSize.resolve(65536, "64K")).isEqualTo(PageSize.SIZE_64K);
        assertThatThrownBy(() -> PageSize.resolve(65536, "4096"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("smaller than the kernel's");
        assertThatThrownBy(() -> PageSize.resolve(4096, "lots"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(PageSize.PROPERTY);
    }
}
