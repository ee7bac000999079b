package dev.jvfio.pci;

import static dev.jvfio.pci.TestFunction.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CapabilityTest {

    @Test
    @DisplayName("PCI-3.1 standard capabilities are linked from 0x34 in declaration order")
    void pci_3_1_chain() throws Exception {
        try (VfioPciDevice d = build()) {
            assertThat(cfg16(d, PciHeader.STATUS) & PciHeader.STATUS_CAP_LIST).isNotZero();
            int at = cfg32(d, 0x34) & 0xFF;
            List<Integer> ids = new ArrayList<>();
            while (at != 0) {
                ids.add(cfg16(d, at) & 0xFF);
                at = cfg16(d, at) >>> 8;
            }
            assertThat(ids).containsExactly(0x01, 0x05, 0x11, 0x10);
        }
    }

    @Test
    @DisplayName("PCI-3.2 PM PowerState accepts D0 and D3hot and ignores D1/D2")
    void pci_3_2_powerStates() throws Exception {
        try (VfioPciDevice d = build()) {
            int pm = cap(d, PciHeader.CAP_ID_PM);
            assertThat(cfg16(d, pm + 2) & 7).isEqualTo(3); // version 3
            cfgWrite(d, pm + 4, 2, 3);
            assertThat(d.inD3Hot()).isTrue();
            cfgWrite(d, pm + 4, 2, 1);
            assertThat(cfg16(d, pm + 4) & 3).isEqualTo(3);
            cfgWrite(d, pm + 4, 2, 0);
            assertThat(d.inD3Hot()).isFalse();
            cfgWrite(d, pm + 4, 2, 2);
            assertThat(cfg16(d, pm + 4) & 3).isZero();
            assertThat(cfg16(d, pm + 4) & 8).isEqualTo(8); // NoSoftRst is read-only
        }
    }

    @Test
    @DisplayName(
            "PCI-3.3 MSI: enable and MME writable, MMC read-only, mask bits for implemented vectors, pending read-only")
    void pci_3_3_msi() throws Exception {
        try (VfioPciDevice d = build()) {
            int msi = cap(d, PciHeader.CAP_ID_MSI);
            int ctrl = cfg16(d, msi + 2);
            assertThat(ctrl & 0x0E).isEqualTo(2 << 1); // 4 vectors capable
            assertThat(ctrl & 0x180).isEqualTo(0x180); // 64-bit, per-vector mask
            cfgWrite(d, msi + 2, 2, 0xFFFF);
            assertThat(cfg16(d, msi + 2)).isEqualTo(0x0071 | 0x0004 | 0x0180);
            cfgWrite(d, msi + 4, 4, 0xFEE0_0003L);
            assertThat(cfg32(d, msi + 4)).isEqualTo(0xFEE0_0000); // dword aligned
            cfgWrite(d, msi + 8, 4, 0x1234_5678L);
            assertThat(cfg32(d, msi + 8)).isEqualTo(0x1234_5678);
            cfgWrite(d, msi + 12, 2, 0x4021);
            assertThat(cfg16(d, msi + 12)).isEqualTo(0x4021);
            cfgWrite(d, msi + 16, 4, 0xFFFF_FFFFL);
            assertThat(cfg32(d, msi + 16)).isEqualTo(0xF);
            cfgWrite(d, msi + 20, 4, 0xFFFF_FFFFL);
            assertThat(cfg32(d, msi + 20)).isZero();
        }
        try (VfioPciDevice d = VfioPciDevice.builder("m32")
                .ids(1, 2)
                .capability(Capability.Msi.vectors(1))
                .build()) {
            int msi = cap(d, PciHeader.CAP_ID_MSI);
            cfgWrite(d, msi + 8, 2, 0xBEEF);
            assertThat(cfg16(d, msi + 8)).isEqualTo(0xBEEF); // data follows a 32-bit address
            assertThat(cfg16(d, msi + 2) & 0x180).isZero();
        }
    }

    @Test
    @DisplayName("PCI-3.4 MSI-X: table size and locations read-only, enable and function mask writable, table in BAR")
    void pci_3_4_msix() throws Exception {
        try (VfioPciDevice d = build()) {
            int x = cap(d, PciHeader.CAP_ID_MSIX);
            assertThat(cfg16(d, x + 2)).isEqualTo(MSIX_VECTORS - 1);
            cfgWrite(d, x + 2, 2, 0xFFFF);
            assertThat(cfg16(d, x + 2)).isEqualTo(0xC000 | (MSIX_VECTORS - 1));
            cfgWrite(d, x + 4, 4, 0xFFFF_FFFFL);
            assertThat(cfg32(d, x + 4)).isEqualTo(MSIX_TABLE);
            assertThat(cfg32(d, x + 8)).isEqualTo(MSIX_PBA);
            enableMemory(d);
            write(d, 0, MSIX_TABLE + 16, 8, 0x0000_0000_FEE0_1000L);
            write(d, 0, MSIX_TABLE + 24, 4, 0x41);
            write(d, 0, MSIX_TABLE + 28, 4, 0xFFFF_FFFFL);
            assertThat(read(d, 0, MSIX_TABLE + 16, 8)).isEqualTo(0xFEE0_1000L);
            assertThat(read(d, 0, MSIX_TABLE + 24, 4)).isEqualTo(0x41);
            assertThat(read(d, 0, MSIX_TABLE + 28, 4)).isEqualTo(1); // reserved control bits read 0
            write(d, 0, MSIX_PBA, 8, -1L);
            assertThat(read(d, 0, MSIX_PBA, 8)).isZero(); // PBA is read-only
            write(d, 0, 0x100, 4, 0x1234L); // outside the table: plain RAM
            assertThat(read(d, 0, 0x100, 4)).isEqualTo(0x1234);
        }
    }

    @Test
    @DisplayName("PCI-3.5 PCIe endpoint: FLR capable, DEVCTL writable, DEVSTA W1C, link speed and width")
    void pci_3_5_express() throws Exception {
        try (VfioPciDevice d = build()) {
            int e = cap(d, PciHeader.CAP_ID_EXP);
            assertThat(cfg16(d, e + 2) & 0xFF).isEqualTo(0x02); // v2, endpoint
            assertThat(cfg32(d, e + 4) & (1 << 28)).isNotZero(); // FLR
            cfgWrite(d, e + 8, 2, 0x2F1F);
            assertThat(cfg16(d, e + 8)).isEqualTo(0x2F1F);
            d.config().set16(e + 10, 0x000F);
            cfgWrite(d, e + 10, 2, 0x0005);
            assertThat(cfg16(d, e + 10)).isEqualTo(0x000A);
            assertThat(cfg32(d, e + 12) & 0x3FF).isEqualTo(5 | 16 << 4);
            assertThat(cfg16(d, e + 18) & 0x3FF).isEqualTo(5 | 16 << 4);
            cfgWrite(d, e + 16, 2, 0x0043);
            assertThat(cfg16(d, e + 16)).isEqualTo(0x0043);
            cfgWrite(d, e + 18, 2, 0x0000);
            assertThat(cfg16(d, e + 18) & 0x3FF).isEqualTo(5 | 16 << 4); // LNKSTA read-only
        }
    }

    @Test
    @DisplayName("PCI-3.6 extended capabilities start at 0x100 and are linked by next pointers")
    void pci_3_6_extendedChain() throws Exception {
        try (VfioPciDevice d = build()) {
            int h = cfg32(d, 0x100);
            assertThat(h & 0xFFFF).isEqualTo(0x23);
            int next = h >>> 20;
            assertThat(next).isGreaterThan(0x100);
            assertThat(cfg32(d, next) & 0xFFFF).isEqualTo(0x3);
            assertThat(cfg32(d, next) >>> 20).isZero();
            assertThat(cfg32(d, next + 4)).isEqualTo(0x0506_0708);
        }
    }

    @Test
    @DisplayName("PCI-3.7 a DVSEC carries vendor, revision, length, id and payload; read-only unless declared writable")
    void pci_3_7_dvsec() throws Exception {
        try (VfioPciDevice d = build()) {
            Dvsec dv = d.findDvsec(0x10de, 3).orElseThrow();
            assertThat(dv.offset()).isEqualTo(0x100);
            assertThat(dv.revision()).isEqualTo(1);
            assertThat(dv.read16(0xA) & 1).isZero();
            assertThat(dv.read16(0xC)).isEqualTo(1);
            assertThat(cfg32(d, 0x104)).isEqualTo(0x10de | 1 << 16 | 16 << 20);
            assertThat(cfg16(d, 0x108)).isEqualTo(3);
            cfgWrite(d, 0x10A, 4, 0xFFFF_FFFFL);
            assertThat(cfg32(d, 0x10A)).isEqualTo(0x0001_0000);
            assertThat(d.findDvsec(0x10de, 4)).isEmpty();
            assertThat(d.findDvsec(0x8086, 3)).isEmpty();
        }
        try (VfioPciDevice d = VfioPciDevice.builder("w")
                .ids(1, 2)
                .extendedCapability(
                        new ExtendedCapability.Dvsec(0x1234, 0, 7, new byte[4], new byte[] {(byte) 0xFF, 0x0F, 0, 0}))
                .build()) {
            cfgWrite(d, 0x10A, 4, 0xFFFF_FFFFL);
            assertThat(cfg32(d, 0x10A)).isEqualTo(0x0FFF);
        }
    }

    @Test
    @DisplayName("PCI-3.8 D3hot to D0 resets the function without No_Soft_Reset and keeps it with No_Soft_Reset")
    void pci_3_8_softReset() throws Exception {
        for (boolean noSoftReset : new boolean[] {false, true}) {
            try (VfioPciDevice d = VfioPciDevice.builder("pm")
                    .ids(1, 2)
                    .bar(PciBar.mem32(0, 0x1000, BarBacking.zeros()))
                    .capability(
                            noSoftReset
                                    ? Capability.PowerManagement.noSoftReset()
                                    : Capability.PowerManagement.softReset())
                    .build()) {
                List<ResetKind> seen = new ArrayList<>();
                d.addResetListener(seen::add);
                int pm = cap(d, PciHeader.CAP_ID_PM);
                cfgWrite(d, 0x10, 4, 0xFEB0_0000L);
                enableMemory(d);
                cfgWrite(d, pm + 4, 2, 3);
                cfgWrite(d, pm + 4, 2, 0);
                if (noSoftReset) {
                    assertThat(seen).isEmpty();
                    assertThat(cfg32(d, 0x10)).isEqualTo(0xFEB0_0000);
                    assertThat(d.memoryDecodeEnabled()).isTrue();
                } else {
                    assertThat(seen).containsExactly(ResetKind.PM_RESET);
                    assertThat(cfg32(d, 0x10)).isZero();
                    assertThat(d.memoryDecodeEnabled()).isFalse();
                }
            }
        }
    }
}
