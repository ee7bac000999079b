package dev.jvfio.pci;

import static dev.jvfio.pci.TestFunction.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.device.Errno;
import dev.jvfio.device.VfioException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class GatingTest {

    private static void assertEio(ThrowingAccess a) {
        assertThatThrownBy(a::run)
                .isInstanceOf(VfioException.class)
                .extracting(e -> ((VfioException) e).errno())
                .isEqualTo(Errno.EIO);
    }

    interface ThrowingAccess {
        void run() throws Exception;
    }

    @Test
    @DisplayName("PCI-4.1 memory BAR read and write return EIO while memory decode is off")
    void pci_4_1_memoryDecodeOff() throws Exception {
        try (VfioPciDevice d = build()) {
            assertThat(d.memoryDecodeEnabled()).isFalse();
            assertEio(() -> read(d, 2, 0, 4));
            assertEio(() -> write(d, 2, 0, 4, 1));
            enableMemory(d);
            assertThat(d.memoryDecodeEnabled()).isTrue();
            write(d, 2, 0, 4, 0x55AA);
            assertThat(read(d, 2, 0, 4)).isEqualTo(0x55AA);
            cfgWrite(d, PciHeader.COMMAND, 2, 0);
            assertEio(() -> read(d, 2, 0, 4));
            assertEio(() -> read(d, 0, MSIX_TABLE, 4)); // the emulated MSI-X table too
        }
    }

    @Test
    @DisplayName("PCI-4.2 memory BAR access returns EIO in D3hot even with memory decode on")
    void pci_4_2_d3hot() throws Exception {
        try (VfioPciDevice d = build()) {
            enableMemory(d);
            int pm = cap(d, PciHeader.CAP_ID_PM);
            cfgWrite(d, pm + 4, 2, 3);
            assertThat(d.memoryDecodeEnabled()).isTrue();
            assertEio(() -> read(d, 2, 0, 4));
            cfgWrite(d, pm + 4, 2, 0);
            assertThat(read(d, 2, 0, 4)).isZero();
        }
    }

    @Test
    @DisplayName("PCI-4.3 I/O BAR access returns EIO while I/O decode is off, whatever memory decode says")
    void pci_4_3_ioDecode() throws Exception {
        try (VfioPciDevice d = build()) {
            enableMemory(d);
            assertEio(() -> read(d, 3, 0, 1));
            cfgWrite(d, PciHeader.COMMAND, 2, PciHeader.COMMAND_IO);
            assertThat(d.ioDecodeEnabled()).isTrue();
            write(d, 3, 4, 2, 0xBEEF);
            assertThat(read(d, 3, 4, 2)).isEqualTo(0xBEEF);
            assertEio(() -> read(d, 2, 0, 4)); // memory now off
        }
    }

    @Test
    @DisplayName("PCI-4.4 a BAR with gating NEVER is accessible with decode off")
    void pci_4_4_gatingNever() throws Exception {
        RamBacking ram = RamBacking.heap(0x1000);
        try (VfioPciDevice d = VfioPciDevice.builder("g")
                .ids(1, 2)
                .bar(PciBar.mem32(0, 0x1000, ram).withGating(BarGating.NEVER))
                .build()) {
            write(d, 0, 8, 4, 0x1234_5678L);
            assertThat(read(d, 0, 8, 4)).isEqualTo(0x1234_5678L);
            assertThat(d.memoryDecodeEnabled()).isFalse();
        }
    }

    @Test
    @DisplayName("PCI-4.5 config space is never gated, also in D3hot")
    void pci_4_5_configNotGated() throws Exception {
        try (VfioPciDevice d = build()) {
            int pm = cap(d, PciHeader.CAP_ID_PM);
            cfgWrite(d, pm + 4, 2, 3);
            assertThat(cfg16(d, 0)).isEqualTo(0x1b36);
            assertThat(read(d, 6, 0, 4)).isZero(); // ROM stays readable
        }
    }
}
