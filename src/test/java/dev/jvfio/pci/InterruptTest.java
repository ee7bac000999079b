package dev.jvfio.pci;

import static dev.jvfio.pci.TestFunction.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.device.Errno;
import dev.jvfio.device.IrqInfo;
import dev.jvfio.device.IrqSet;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.procfs.OpenFiles;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class InterruptTest {

    @Test
    @DisplayName(
            "PCI-6.1 INTx sets Status.Interrupt, signals, is automasked until UNMASK, which re-signals while asserted")
    void pci_6_1_intx() throws Exception {
        try (VfioPciDevice d = build();
                Vectors v = new Vectors(d, Vfio.PCI_INTX_IRQ_INDEX, 1)) {
            d.raiseIntx();
            assertThat(cfg16(d, PciHeader.STATUS) & PciHeader.STATUS_INTERRUPT).isNotZero();
            assertThat(v.fired(0)).isTrue();
            d.raiseIntx(); // automasked: nothing
            assertThat(v.fired(0)).isFalse();
            d.setIrqs(action(Vfio.PCI_INTX_IRQ_INDEX, Vfio.IRQ_SET_ACTION_UNMASK, 0, 1));
            assertThat(v.fired(0)).isTrue(); // level still asserted
            d.lowerIntx();
            assertThat(cfg16(d, PciHeader.STATUS) & PciHeader.STATUS_INTERRUPT).isZero();
            d.setIrqs(action(Vfio.PCI_INTX_IRQ_INDEX, Vfio.IRQ_SET_ACTION_UNMASK, 0, 1));
            assertThat(v.fired(0)).isFalse();
            d.raiseIntx();
            assertThat(v.fired(0)).isTrue();
            // the guest can't clear the status bit by writing it
            cfgWrite(d, PciHeader.STATUS, 2, 0xFFFF);
            assertThat(cfg16(d, PciHeader.STATUS) & PciHeader.STATUS_INTERRUPT).isNotZero();
        }
    }

    @Test
    @DisplayName("PCI-6.2 with INTx-disable set, INTx sets the status bit but signals only once the bit is cleared")
    void pci_6_2_intxDisable() throws Exception {
        try (VfioPciDevice d = build();
                Vectors v = new Vectors(d, Vfio.PCI_INTX_IRQ_INDEX, 1)) {
            cfgWrite(d, PciHeader.COMMAND, 2, PciHeader.COMMAND_INTX_DISABLE);
            d.raiseIntx();
            assertThat(cfg16(d, PciHeader.STATUS) & PciHeader.STATUS_INTERRUPT).isNotZero();
            assertThat(v.fired(0)).isFalse();
            cfgWrite(d, PciHeader.COMMAND, 2, 0);
            assertThat(v.fired(0)).isTrue();
        }
    }

    @Test
    @DisplayName("PCI-6.3 MSI signals its vector; a masked vector sets its pending bit and fires on unmask")
    void pci_6_3_msi() throws Exception {
        try (VfioPciDevice d = build();
                Vectors v = new Vectors(d, Vfio.PCI_MSI_IRQ_INDEX, 4)) {
            int msi = cap(d, PciHeader.CAP_ID_MSI);
            assertThat(d.triggerMsi(2)).isTrue();
            assertThat(v.fired(2)).isTrue();
            assertThat(v.fired(1)).isFalse();
            cfgWrite(d, msi + 16, 4, 0x4); // mask vector 2
            assertThat(d.triggerMsi(2)).isFalse();
            assertThat(v.fired(2)).isFalse();
            assertThat(cfg32(d, msi + 20)).isEqualTo(0x4);
            cfgWrite(d, msi + 16, 4, 0x0);
            assertThat(v.fired(2)).isTrue();
            assertThat(cfg32(d, msi + 20)).isZero();
            assertThat(d.triggerMsi(4)).isFalse(); // beyond the vectors
        }
    }

    @Test
    @DisplayName("PCI-6.4 MSI-X: masked vector (table or function mask) sets its PBA bit and fires on unmask")
    void pci_6_4_msix() throws Exception {
        try (VfioPciDevice d = build();
                Vectors v = new Vectors(d, Vfio.PCI_MSIX_IRQ_INDEX, MSIX_VECTORS)) {
            enableMemory(d);
            int x = cap(d, PciHeader.CAP_ID_MSIX);
            cfgWrite(d, x + 2, 2, 0x8000);
            assertThat(d.triggerMsix(5)).isTrue();
            assertThat(v.fired(5)).isTrue();
            write(d, 0, MSIX_TABLE + 5 * 16 + 12, 4, 1); // mask vector 5 in the table
            assertThat(d.triggerMsix(5)).isFalse();
            assertThat(v.fired(5)).isFalse();
            assertThat(read(d, 0, MSIX_PBA, 8)).isEqualTo(1L << 5);
            write(d, 0, MSIX_TABLE + 5 * 16 + 12, 4, 0);
            assertThat(v.fired(5)).isTrue();
            assertThat(read(d, 0, MSIX_PBA, 8)).isZero();
            cfgWrite(d, x + 2, 2, 0xC000); // function mask
            d.triggerMsix(0);
            d.triggerMsix(7);
            assertThat(v.fired(0)).isFalse();
            assertThat(read(d, 0, MSIX_PBA, 8)).isEqualTo(1L | 1L << 7);
            cfgWrite(d, x + 2, 2, 0x8000);
            assertThat(v.fired(0)).isTrue();
            assertThat(v.fired(7)).isTrue();
            assertThat(read(d, 0, MSIX_PBA, 8)).isZero();
        }
    }

    @Test
    @DisplayName(
            "PCI-6.5 SET_IRQS cannot mask MSI-X vectors (ENOTTY, as vfio-pci); loopback TRIGGER signals; DATA_NONE count 0 disables and closes the fds")
    void pci_6_5_setIrqsMask() throws Exception {
        try (VfioPciDevice d = build();
                Vectors v = new Vectors(d, Vfio.PCI_MSIX_IRQ_INDEX, 4)) {
            assertThatThrownBy(() -> d.setIrqs(action(Vfio.PCI_MSIX_IRQ_INDEX, Vfio.IRQ_SET_ACTION_MASK, 1, 1)))
                    .extracting(e -> ((VfioException) e).errno())
                    .isEqualTo(Errno.ENOTTY);
            d.triggerMsix(1);
            assertThat(v.fired(1)).isTrue();
            // loopback trigger through SET_IRQS
            d.setIrqs(action(Vfio.PCI_MSIX_IRQ_INDEX, Vfio.IRQ_SET_ACTION_TRIGGER, 2, 1));
            assertThat(v.fired(2)).isTrue();
            int before = OpenFiles.count();
            d.setIrqs(action(Vfio.PCI_MSIX_IRQ_INDEX, Vfio.IRQ_SET_ACTION_TRIGGER, 0, 0));
            assertThat(OpenFiles.count()).isEqualTo(before - 4);
            assertThat(d.triggerMsix(1)).isFalse();
        }
    }

    @Test
    @DisplayName("PCI-6.6 GET_IRQ_INFO reports counts and flags as vfio-pci")
    void pci_6_6_irqInfo() throws Exception {
        try (VfioPciDevice d = build()) {
            assertThat(d.irqInfo(0))
                    .isEqualTo(new IrqInfo(
                            0, Vfio.IRQ_INFO_EVENTFD | Vfio.IRQ_INFO_MASKABLE | Vfio.IRQ_INFO_AUTOMASKED, 1));
            assertThat(d.irqInfo(1)).isEqualTo(new IrqInfo(1, Vfio.IRQ_INFO_EVENTFD | Vfio.IRQ_INFO_NORESIZE, 4));
            assertThat(d.irqInfo(2)).isEqualTo(new IrqInfo(2, Vfio.IRQ_INFO_EVENTFD, MSIX_VECTORS));
            assertThat(d.irqInfo(3)).isEqualTo(new IrqInfo(3, Vfio.IRQ_INFO_EVENTFD | Vfio.IRQ_INFO_NORESIZE, 1));
            assertThat(d.irqInfo(4)).isEqualTo(new IrqInfo(4, Vfio.IRQ_INFO_EVENTFD | Vfio.IRQ_INFO_NORESIZE, 1));
            assertThatThrownBy(() -> d.irqInfo(5)).isInstanceOf(VfioException.class);
            assertThat(d.info().numIrqs()).isEqualTo(5);
        }
        try (VfioPciDevice d = VfioPciDevice.builder("bare").ids(1, 2).build()) {
            assertThat(d.irqInfo(0).count()).isZero();
            assertThat(d.irqInfo(1).count()).isZero();
            assertThat(d.irqInfo(2).count()).isZero();
            assertThatThrownBy(() -> d.irqInfo(3)).as("ERR only on PCI Express").isInstanceOf(VfioException.class);
            assertThat(d.irqInfo(4).count()).isOne();
        }
    }

    @Test
    @DisplayName(
            "PCI-6.7 bad SET_IRQS requests fail (EINVAL, ENOTTY for a cell vfio-pci lacks) and leave the eventfds to the caller")
    void pci_6_7_badRequests() throws Exception {
        try (VfioPciDevice d = build();
                EventFd a = EventFd.create();
                EventFd b = EventFd.create()) {
            Fd fa = a.fd().duplicate();
            Fd fb = b.fd().duplicate();
            int trig = Vfio.IRQ_SET_DATA_EVENTFD | Vfio.IRQ_SET_ACTION_TRIGGER;
            assertEinval(() -> d.setIrqs(new IrqSet(2, trig, 7, 2, new byte[0], List.of(fa, fb))));
            assertEinval(() -> d.setIrqs(new IrqSet(2, trig, 0, 3, new byte[0], List.of(fa, fb))));
            assertEinval(() -> d.setIrqs(new IrqSet(2, trig, -1, 2, new byte[0], List.of(fa, fb))));
            assertEinval(() -> d.setIrqs(new IrqSet(0, trig, 0, 2, new byte[0], List.of(fa, fb))));
            assertThatThrownBy(() -> d.setIrqs(new IrqSet(
                            2,
                            Vfio.IRQ_SET_DATA_EVENTFD | Vfio.IRQ_SET_ACTION_MASK,
                            0,
                            2,
                            new byte[0],
                            List.of(fa, fb))))
                    .extracting(e -> ((VfioException) e).errno())
                    .isEqualTo(Errno.ENOTTY);
            assertEinval(() -> d.setIrqs(new IrqSet(9, trig, 0, 2, new byte[0], List.of(fa, fb))));
            assertEinval(
                    () -> d.setIrqs(new IrqSet(2, trig | Vfio.IRQ_SET_DATA_BOOL, 0, 2, new byte[2], List.of(fa, fb))));
            assertThat(fa.isOpen()).isTrue();
            assertThat(fb.isOpen()).isTrue();
            d.setIrqs(new IrqSet(2, trig, 0, 1, new byte[0], List.of(fa))); // MSI-X active
            assertEinval(() -> d.setIrqs(new IrqSet(1, trig, 0, 1, new byte[0], List.of(fb))));
            assertThat(fb.isOpen()).isTrue();
            fb.close();
            d.detach();
            assertThat(fa.isOpen()).isFalse();
        }
    }

    @Test
    @DisplayName("PCI-6.8 detach closes every interrupt eventfd")
    void pci_6_8_detachClosesFds() throws Exception {
        try (VfioPciDevice d = build();
                EventFd a = EventFd.create();
                EventFd b = EventFd.create()) {
            Fd fa = a.fd().duplicate();
            Fd fb = b.fd().duplicate();
            d.setIrqs(new IrqSet(
                    0, Vfio.IRQ_SET_DATA_EVENTFD | Vfio.IRQ_SET_ACTION_TRIGGER, 0, 1, new byte[0], List.of(fa)));
            d.setIrqs(new IrqSet(
                    4, Vfio.IRQ_SET_DATA_EVENTFD | Vfio.IRQ_SET_ACTION_TRIGGER, 0, 1, new byte[0], List.of(fb)));
            d.detach();
            assertThat(fa.isOpen()).isFalse();
            assertThat(fb.isOpen()).isFalse();
        }
    }

    private static void assertEinval(GatingTest.ThrowingAccess a) {
        assertThatThrownBy(a::run)
                .isInstanceOf(VfioException.class)
                .extracting(e -> ((VfioException) e).errno())
                .isEqualTo(Errno.EINVAL);
    }
}
