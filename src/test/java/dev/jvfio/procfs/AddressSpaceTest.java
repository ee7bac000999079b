package dev.jvfio.procfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The user address-space size comes from the running kernel, not from x86-64: aarch64 kernels have 39- or 48-bit VA. */
class AddressSpaceTest {

    @Test
    @DisplayName("x86-64 (47-bit) maps: 128 TiB, and the vsyscall page above is not the stack")
    void x86_64() {
        assertThat(AddressSpace.fromMaps(List.of(
                        "563d31256000-563d31258000 r--p 00000000 fe:00 260386   /usr/bin/head",
                        "7fff57274000-7fff57295000 rw-p 00000000 00:00 0        [stack]",
                        "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]")))
                .isEqualTo(1L << 47);
    }

    @Test
    @DisplayName("aarch64 with 48-bit VA (Debian 4 and 64 KiB kernels): 256 TiB")
    void aarch64_48bit() {
        assertThat(AddressSpace.fromMaps(List.of(
                        "aaaab1c40000-aaaab1c50000 r-xp 00000000 fe:00 12 /usr/bin/cat",
                        "ffffd4a1f000-ffffd4a40000 rw-p 00000000 00:00 0 [stack]")))
                .isEqualTo(1L << 48);
    }

    @Test
    @DisplayName("aarch64 with 39-bit VA: 512 GiB")
    void aarch64_39bit() {
        assertThat(AddressSpace.fromMaps(List.of("7fd5a2d000-7fd5a4e000 rw-p 00000000 00:00 0 [stack]")))
                .isEqualTo(1L << 39);
    }

    @Test
    void noStackLineIsUnknown() {
        assertThat(AddressSpace.fromMaps(List.of("00400000-00401000 r-xp 00000000 00:00 0 /x")))
                .isEqualTo(-1);
    }

    @Test
    @DisplayName("on the running kernel: a power of two that holds this process's stack")
    void runningKernel() {
        long bytes = AddressSpace.userBytes();
        assertThat(Long.bitCount(bytes)).isEqualTo(1);
        assertThat(bytes).isBetween(1L << 39, 1L << 57);
    }
}
