package dev.jvfio.pci;

import static dev.jvfio.pci.TestFunction.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.H100Fixture;
import dev.jvfio.device.Vfio;
import dev.jvfio.lspci.ConfigDecoder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TemplateTest {

    static VfioPciDevice h100() throws Exception {
        return VfioPciDevice.builder("h100")
                .template(H100Fixture.configSpace())
                .bar(PciBar.mem64(0, 16L << 20, RamBacking.heap(16L << 20)).prefetchable())
                .bar(PciBar.mem64(2, 128L << 30, BarBacking.zeros()).prefetchable())
                .bar(PciBar.mem64(4, 32L << 20, BarBacking.zeros()).prefetchable())
                .writable(0x130, 4, 0x1FFF_1FFFL) // LTR max snoop / no-snoop latency
                .build();
    }

    @Test
    @DisplayName("PCI-7.1 a function built from the H100 dump reads back its ids, class and capability chain")
    void pci_7_1_identityAndChain() throws Exception {
        byte[] dump = H100Fixture.configSpace();
        try (VfioPciDevice d = h100()) {
            assertThat(cfg32(d, 0x00)).isEqualTo(0x2330_10de);
            assertThat(cfg32(d, 0x08)).isEqualTo(0x0302_00a1);
            assertThat(cfg32(d, 0x2C)).isEqualTo(0x16c1_10de);
            List<CapabilityMap.Entry> ours = d.capabilities().all();
            List<CapabilityMap.Entry> theirs =
                    CapabilityMap.scan(ConfigSpace.fromBytes(dump, null, null)).all();
            assertThat(ours).isEqualTo(theirs);
            assertThat(ours).extracting(CapabilityMap.Entry::offset).startsWith(0x40, 0x48, 0x60, 0xB0, 0x100, 0x12C);
            assertThat(d.irqInfo(Vfio.PCI_MSIX_IRQ_INDEX).count()).isEqualTo(9);
            assertThat(d.irqInfo(Vfio.PCI_MSI_IRQ_INDEX).count()).isEqualTo(16);
            assertThat(d.regionInfo(2).size()).isEqualTo(128L << 30);
            // everything outside the normalized registers is the dump's
            byte[] now = d.config().bytes();
            assertThat(Arrays.copyOfRange(now, 0x100, 0x1000)).isEqualTo(Arrays.copyOfRange(dump, 0x100, 0x1000));
        }
    }

    @Test
    @DisplayName("PCI-7.1 the template's writable bits: standard ones from its capabilities plus the extra table")
    void pci_7_1_writableTable() throws Exception {
        try (VfioPciDevice d = h100()) {
            cfgWrite(d, 0x10, 8, -1L);
            assertThat(read(d, 7, 0x10, 8)).isEqualTo(0xFFFF_FFFF_FF00_000CL);
            cfgWrite(d, 0x18, 8, -1L);
            assertThat(read(d, 7, 0x18, 8)).isEqualTo(0xFFFF_FFE0_0000_000CL);
            cfgWrite(d, 0x130, 4, 0xFFFF_FFFFL);
            assertThat(cfg32(d, 0x130)).isEqualTo(0x1FFF_1FFF);
            cfgWrite(d, 0x2F4, 4, 0); // serial number stays read-only
            assertThat(cfg32(d, 0x2F4)).isEqualTo(0xf62d_b048);
            int e = cap(d, PciHeader.CAP_ID_EXP);
            assertThat(e).isEqualTo(0x60);
            cfgWrite(d, e + 8, 2, 0x0000);
            assertThat(cfg16(d, e + 8)).isZero();
        }
    }

    @Test
    @DisplayName("PCI-7.2 a template's power-on values: decode off, BAR addresses cleared, MSI-X disabled")
    void pci_7_2_normalized() throws Exception {
        try (VfioPciDevice d = h100()) {
            assertThat(cfg16(d, PciHeader.COMMAND)).isZero(); // the dump had Mem+ BusMaster+
            assertThat(cfg32(d, 0x10)).isEqualTo(0xC);
            assertThat(cfg32(d, 0x14)).isZero();
            assertThat(cfg16(d, 0xB2) & 0x8000).isZero(); // the dump had MSI-X Enable+
            assertThat(d.memoryDecodeEnabled()).isFalse();
        }
    }

    @Test
    @DisplayName("PCI-8.2 the decoder prints BAR sizes of a live function like lspci on a real system")
    void pci_8_2_liveSizes() throws Exception {
        try (VfioPciDevice d = h100()) {
            String text = ConfigDecoder.decode("01:00.0", d);
            assertThat(text)
                    .startsWith("01:00.0 0302: 10de:2330 (rev a1)\n")
                    .contains("\tRegion 0: Memory at <unassigned> (64-bit, prefetchable) [disabled] [size=16M]\n")
                    .contains("\tRegion 2: Memory at <unassigned> (64-bit, prefetchable) [disabled] [size=128G]\n")
                    .contains("\tRegion 4: Memory at <unassigned> (64-bit, prefetchable) [disabled] [size=32M]\n")
                    .doesNotContain("Region 1")
                    .doesNotContain("Region 3");
        }
        try (VfioPciDevice d = build()) {
            String text = ConfigDecoder.decode("00:00.0", d);
            assertThat(text)
                    .contains("\tRegion 3: I/O ports at <unassigned> [disabled] [size=32]\n")
                    .contains("\tExpansion ROM at <unassigned> [disabled] [size=4K]\n")
                    .contains("Designated Vendor-Specific: Vendor=10de ID=0003 Rev=1 Len=16 <?>");
        }
    }
}
