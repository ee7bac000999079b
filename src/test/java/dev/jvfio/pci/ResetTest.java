package dev.jvfio.pci;

import static dev.jvfio.pci.TestFunction.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.device.Vfio;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ResetTest {

    private static void dirty(VfioPciDevice d) throws Exception {
        cfgWrite(d, PciHeader.COMMAND, 2, PciHeader.COMMAND_MEMORY | PciHeader.COMMAND_MASTER | PciHeader.COMMAND_IO);
        cfgWrite(d, 0x10, 8, 0x0000_0080_0000_0000L);
        cfgWrite(d, 0x18, 4, 0xFEB0_0000L);
        cfgWrite(d, 0x3C, 1, 11);
        int msi = cap(d, PciHeader.CAP_ID_MSI);
        cfgWrite(d, msi + 2, 2, 1);
        cfgWrite(d, msi + 4, 4, 0xFEE0_0000L);
        int x = cap(d, PciHeader.CAP_ID_MSIX);
        cfgWrite(d, x + 2, 2, 0x8000);
        write(d, 0, MSIX_TABLE, 4, 0xFEE0_0000L);
    }

    @Test
    @DisplayName("PCI-5.1 FLR through DEVCTL bit 15 returns config to power-on values and tells listeners FLR")
    void pci_5_1_flr() throws Exception {
        try (VfioPciDevice d = build()) {
            byte[] powerOn = d.config().bytes();
            List<ResetKind> seen = new ArrayList<>();
            d.addResetListener(seen::add);
            dirty(d);
            int e = cap(d, PciHeader.CAP_ID_EXP);
            assertThat(d.config().bytes()).isNotEqualTo(powerOn);
            cfgWrite(d, e + 8, 2, cfg16(d, e + 8) | 0x8000);
            assertThat(seen).containsExactly(ResetKind.FLR);
            assertThat(cfg16(d, PciHeader.COMMAND)).isZero();
            assertThat(cfg16(d, e + 8) & 0x8000).isZero();
            assertThat(d.config().bytes()).isEqualTo(powerOn);
            assertThat(d.memoryDecodeEnabled()).isFalse();
            enableMemory(d);
            assertThat(read(d, 0, MSIX_TABLE, 4)).isZero();
        }
    }

    @Test
    @DisplayName("PCI-5.1 FLR keeps sticky bits (AER status)")
    void pci_5_1_stickyKept() throws Exception {
        try (VfioPciDevice d = TestFunction.builder()
                .extendedCapability(new ExtendedCapability.Raw(PciHeader.EXT_CAP_ID_ERR, 2, new byte[0x44]))
                .build()) {
            int aer = d.capabilities().findExtended(PciHeader.EXT_CAP_ID_ERR).orElseThrow();
            cfgWrite(d, aer + 8, 4, 0x0040_0000L); // uncorrectable error mask (RWS)
            int e = cap(d, PciHeader.CAP_ID_EXP);
            cfgWrite(d, e + 8, 2, 0x8000);
            assertThat(cfg32(d, aer + 8)).isEqualTo(0x0040_0000);
        }
    }

    @Test
    @DisplayName("PCI-5.2 DEVICE_RESET returns config to power-on values and tells listeners DEVICE_RESET")
    void pci_5_2_deviceReset() throws Exception {
        try (VfioPciDevice d = build()) {
            byte[] powerOn = d.config().bytes();
            List<ResetKind> seen = new ArrayList<>();
            d.addResetListener(seen::add);
            dirty(d);
            d.reset();
            assertThat(seen).containsExactly(ResetKind.DEVICE_RESET);
            assertThat(d.config().bytes()).isEqualTo(powerOn);
            assertThat(cfg16(d, PciHeader.COMMAND)).isZero();
        }
    }

    @Test
    @DisplayName("PCI-5.3 a reset clears pending interrupts: PBA bits, MSI pending bits, INTx status")
    void pci_5_3_pendingCleared() throws Exception {
        try (VfioPciDevice d = build()) {
            try (Vectors v = new Vectors(d, Vfio.PCI_MSIX_IRQ_INDEX, MSIX_VECTORS)) {
                int x = cap(d, PciHeader.CAP_ID_MSIX);
                cfgWrite(d, x + 2, 2, 0xC000); // enable + function mask
                d.triggerMsix(3);
                assertThat(d.msixPending(3)).isTrue();
                d.reset();
                assertThat(d.msixPending(3)).isFalse();
                assertThat(v.fired(3)).isFalse();
            }
            d.setIrqs(action(Vfio.PCI_MSIX_IRQ_INDEX, Vfio.IRQ_SET_ACTION_TRIGGER, 0, 0));
            try (Vectors v = new Vectors(d, Vfio.PCI_MSI_IRQ_INDEX, 4)) {
                int msi = cap(d, PciHeader.CAP_ID_MSI);
                cfgWrite(d, msi + 16, 4, 0x2);
                d.triggerMsi(1);
                assertThat(cfg32(d, msi + 20)).isEqualTo(2);
                d.reset();
                assertThat(cfg32(d, msi + 20)).isZero();
            }
            d.setIrqs(action(Vfio.PCI_MSI_IRQ_INDEX, Vfio.IRQ_SET_ACTION_TRIGGER, 0, 0));
            d.raiseIntx();
            assertThat(cfg16(d, PciHeader.STATUS) & PciHeader.STATUS_INTERRUPT).isNotZero();
            d.reset();
            assertThat(cfg16(d, PciHeader.STATUS) & PciHeader.STATUS_INTERRUPT).isZero();
            assertThat(d.intxAsserted()).isFalse();
        }
    }

    @Test
    @DisplayName("PCI-5.4 the command register reads 0 at power-on")
    void pci_5_4_commandZero() throws Exception {
        try (VfioPciDevice d = build()) {
            assertThat(cfg16(d, PciHeader.COMMAND)).isZero();
        }
    }

    @Test
    @DisplayName("PCI-5.5 interrupt eventfds survive a reset")
    void pci_5_5_eventfdsSurvive() throws Exception {
        try (VfioPciDevice d = build();
                Vectors v = new Vectors(d, Vfio.PCI_MSIX_IRQ_INDEX, 2)) {
            d.reset();
            assertThat(d.triggerMsix(1)).isTrue();
            assertThat(v.fired(1)).isTrue();
        }
    }
}
